"""`Estimates`: a small frozen record of cost that adds up.

One record describes a template invocation, a stage, a layer or a whole
schedule: cycles, initiation interval, resources, bytes moved, dynamic energy
and multiply-accumulates. Three composition rules cover the two execution
styles:

- `a + b` / `sequential(...)` / `sum(...)`: one after the other on separate
  hardware (tiled layers on *distinct* units, or phases): cycles and
  initiation intervals add, resources add.
- `pipelined(...)`: streaming stages connected by FIFOs: the stages' fill
  latencies (`cycles − ii` each) add, plus one interval of the slowest stage
  (which paces the stream); the initiation interval is the slowest stage's;
  resources add.
- `shared(...)`: the same hardware runs every item in turn (tiled mode's
  shared engine): cycles and intervals add, resources are the maximum of any
  item (the engine is built once).

Energies and bytes always add: every item runs once per inference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

RESOURCE_FIELDS = ("dsp", "lut", "ff", "bram", "uram", "lutram_bits")
"""Fields that describe hardware (summed in pipelines, max'ed on shared hardware)."""
WORK_FIELDS = ("onchip_bytes", "offchip_bytes", "energy_j", "macs")
"""Fields that describe work done per inference (always summed)."""


@dataclass(frozen=True)
class Estimates:
    """Cost of one piece of hardware doing its work once.

    cycles: clock cycles from first input to last output (latency).
    ii: initiation interval, cycles between successive inferences.
    dsp, lut, ff: DSP blocks, LUTs, flip-flops.
    bram: block RAMs in 36 Kb units (BRAM18 halves count 0.5).
    uram: UltraRAM blocks (288 Kb).
    lutram_bits: bits kept in LUT RAM (their LUTs are already in `lut`).
    onchip_bytes, offchip_bytes: bytes read and written in on-chip memories
    and in external DDR/HBM per inference.
    energy_j: dynamic energy per inference (J).
    macs: multiply-accumulates per inference.
    """

    cycles: float = 0
    ii: float = 0
    dsp: float = 0
    lut: float = 0
    ff: float = 0
    bram: float = 0
    uram: float = 0
    lutram_bits: float = 0
    onchip_bytes: float = 0
    offchip_bytes: float = 0
    energy_j: float = 0.0
    macs: float = 0

    # ---- algebra --------------------------------------------------------
    def __add__(self, other: Estimates) -> Estimates:
        if not isinstance(other, Estimates):
            return NotImplemented
        return Estimates(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def __radd__(self, other: Any) -> Estimates:
        if other == 0:  # lets the built-in sum() start from 0
            return self
        return NotImplemented

    def scaled(self, factor: float) -> Estimates:
        """Every field multiplied by `factor` (e.g. one engine invoked `factor` times: use
        `repeated` instead, which keeps resources)."""
        return Estimates(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def repeated(self, times: int) -> Estimates:
        """The same hardware run `times` times in a row: work and cycles scale, resources do not."""
        scaled = {k: getattr(self, k) * times for k in ("cycles", "ii", *WORK_FIELDS)}
        return replace(self, **scaled)

    def with_(self, **changes: Any) -> Estimates:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def resources(self) -> dict[str, float]:
        """The hardware fields as a dict."""
        return {k: getattr(self, k) for k in RESOURCE_FIELDS}

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> Estimates:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


ZERO = Estimates()


def sequential(items: Iterable[Estimates]) -> Estimates:
    """Items run one after another on their own hardware: everything adds."""
    return sum(items, ZERO)


def pipelined(items: Iterable[Estimates]) -> Estimates:
    """Streaming stages: fill latencies add (Σ (cycles − ii)) plus the slowest interval;
    the interval is the slowest stage's; resources add."""
    items = list(items)
    total = sequential(items)
    slowest = max((e.ii for e in items), default=0)
    fill = sum(e.cycles - e.ii for e in items)
    return total.with_(ii=slowest, cycles=fill + slowest)


def shared(items: Iterable[Estimates]) -> Estimates:
    """Items run in turn on one shared unit: cycles and work add, resources are the maximum."""
    items = list(items)
    total = sequential(items)
    return total.with_(
        **{k: max((getattr(e, k) for e in items), default=0) for k in RESOURCE_FIELDS}
    )


def parallel(items: Iterable[Estimates]) -> Estimates:
    """Items run side by side on separate hardware: latency and interval are the slowest's."""
    items = list(items)
    total = sequential(items)
    return total.with_(
        cycles=max((e.cycles for e in items), default=0), ii=max((e.ii for e in items), default=0)
    )
