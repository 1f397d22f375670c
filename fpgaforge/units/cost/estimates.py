"""`Estimates`: a small frozen record of cost that adds up.

One record describes a template invocation, a stage, a layer or a whole
schedule: cycles, initiation interval, resources, bytes moved, dynamic energy
and multiply-accumulates. Three composition rules cover the two execution
styles:

- `a + b` / `sequential(...)` / `sum(...)`: one after the other on separate
  hardware (tiled layers on *distinct* units, or phases): cycles and
  initiation intervals add, resources add.
- `pipelined(...)`: streaming stages connected by valid/ready streams (a chain, or
  a DAG given each stage's producers). Each
  stage says when its first output leaves after its first input (`fill`) and
  its last output after its last input (`drain`); a stage ends at the later of
  its own pace (first input + `cycles`) and its input's end + `drain`. So a
  dense stage that needs its whole input vector adds its full compute time,
  and a fast stage behind a slow one adds only its drain. The initiation
  interval is the slowest stage's; resources add.
- `shared(...)`: the same hardware runs every item in turn (tiled mode's
  shared engine): cycles and intervals add, resources are the maximum of any
  item (the engine is built once).

Energies and bytes always add: every item runs once per inference.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

RESOURCE_FIELDS = ("dsp", "lut", "ff", "bram", "uram", "lutram_bits")
"""Fields that describe hardware (summed in pipelines, max'ed on shared hardware)."""
WORK_FIELDS = ("onchip_bytes", "offchip_bytes", "energy_j", "macs")
"""Fields that describe work done per inference (always summed)."""


@dataclass(frozen=True)
class Estimates:
    """Cost of one piece of hardware doing its work once.

    cycles: clock cycles from first input to last output (latency), counted as the
      RTL benches do: last output cycle − first input cycle + 1, with the input
      arriving as fast as the stage takes it.
    ii: initiation interval, cycles between successive inferences.
    fill: cycles from the first input to the first output (0: unknown, `cycles − ii`).
    drain: cycles from the last input to the last output (0: unknown, `cycles − ii`).
    need: fraction of the input elements (0..1) that must have arrived before the stage
      can run the rest at its own pace (e.g. a convolution's first window), 0: none.
    need_at: cycle, counted from the first input at full input rate, at which the
      stage takes that input (so its own pace needs `cycles − need_at` more cycles).
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
    fill: float = 0
    drain: float = 0
    need: float = 0
    need_at: float = 0

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


def pipelined(
    items: Iterable[Estimates],
    producers: Sequence[Sequence[int]] | None = None,
    out_beats: Sequence[int] | None = None,
) -> Estimates:
    """Streaming stages in a chain (or a DAG): the interval is the slowest stage's, resources add.

    Latency follows the stream: stage i starts when its input's first output leaves
    (`fill`), and its last output leaves at the later of its own pace
    (start + `cycles` − 1) and its input's last output + its `drain`. Stages without
    `fill`/`drain` use `cycles − ii` for both; free stages (no cycles) pass their
    input's times on.
    A stage with `need` cannot run at its own pace before that fraction of its input
    elements has arrived: the producer's output beats (`out_beats[j]`, elements in
    beats of its lanes; 0 or absent: a continuous stream) are taken to leave evenly
    between its first and last output, and the needed element arrives with the beat
    that carries it, so the stage also ends no earlier than that arrival +
    `cycles − need_at` (and its first output leaves no earlier than arrival +
    `fill − need_at`): a convolution behind a slower producer waits for its first
    window's pixels at the producer's pace.
    `producers[i]` lists the stages feeding stage i (default: stage i − 1): a branch
    runs beside the other, and a join (several producers) starts when the first
    outputs of all of them are there and ends after the last of them. The latency
    is the latest stage end.
    """
    items = list(items)
    total = sequential(items)
    slowest = max((e.ii for e in items), default=0)
    if producers is None:
        producers = [[i - 1] if i else [] for i in range(len(items))]
    first: list[float] = []
    last: list[float | None] = []
    beats: list[int] = []
    for i, e in enumerate(items):
        ins = [j for j in producers[i] if 0 <= j < i]
        first_in = max((first[j] for j in ins), default=0.0)
        ends = [last[j] for j in ins if last[j] is not None]
        last_in = max(ends) if ends else None
        in_beats = beats[ins[0]] if len(ins) == 1 else 0
        if e.cycles == 0 and e.ii == 0:
            first.append(first_in)
            last.append(last_in)
            beats.append(in_beats)
            continue
        beats.append(int(out_beats[i]) if out_beats is not None else 0)
        known = e.fill or e.drain
        fill = e.fill if known else e.cycles - e.ii
        drain = e.drain if known else e.cycles - e.ii
        end = first_in + e.cycles - 1
        first_out = first_in + fill
        if last_in is not None:
            end = max(end, last_in + drain)
            if e.need:
                arrival = first_in + _arrived(e.need, in_beats) * (last_in - first_in)
                end = max(end, arrival + e.cycles - e.need_at - 1)
                first_out = max(first_out, arrival + fill - e.need_at)
        first.append(first_out)
        last.append(end)
    ends = [t for t in last if t is not None]
    cycles = max(ends) + 1 if ends else 0
    return total.with_(
        ii=slowest,
        cycles=cycles,
        fill=first[-1] if first else 0,
        drain=max(cycles - slowest, 0),
        need=0,
        need_at=0,
    )


def _arrived(need: float, beats: int) -> float:
    """Share of a producer's output span after which `need` of its elements have left:
    the beat that carries the last needed element, out of `beats` evenly spaced beats."""
    if beats <= 1:
        return need
    beat = math.ceil(need * beats - 1e-9) - 1
    return min(max(beat, 0), beats - 1) / (beats - 1)


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
        **{
            k: max((getattr(e, k) for e in items), default=0)
            for k in ("cycles", "ii", "fill", "drain")
        }
    )
