"""The abstract hardware template and what every cost model shares.

A template is a frozen dataclass: *geometry* fields (derived from the graph:
dimensions, widths) and *folding* fields (chosen by the scheduler: PE, SIMD,
lanes, memory placement), named in `FOLDING`. `estimate(ctx)` is its cost
model. `options()` lists the folding choices from least to most parallel, so
the scheduler can unfold a stage step by step.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.energy import EnergyModel
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.hardware import BoardView


@dataclass(frozen=True)
class CostContext:
    """What a cost model needs besides its own fields: the board and its energy table."""

    board: BoardView
    clock_mhz: float
    energy: EnergyModel

    @classmethod
    def of(cls, board: BoardView, clock_mhz: float | None = None) -> CostContext:
        return cls(board, float(clock_mhz or board.default_mhz), EnergyModel(board.memory_type))

    @property
    def bytes_per_cycle(self) -> float:
        """External-memory bytes per clock cycle at this clock."""
        return self.board.bandwidth / (self.clock_mhz * 1e6) if self.board.bandwidth else 0.0


def divisors(n: int) -> list[int]:
    """Positive divisors of `n`, ascending."""
    n = max(int(n), 1)
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def channel_lanes(pe: int, channels: int) -> tuple[int, int]:
    """(input, output) lanes of a unit that runs `pe` channels per beat: one lane when `pe`
    does not divide the channels (as the RTL builders fall back)."""
    lanes = pe if channels % pe == 0 else 1
    return lanes, lanes


def memory_estimate(
    ctx: CostContext, width: int, depth: int, kind: str, *, ports: int = 1
) -> Estimates:
    """Estimates of one memory placed in `kind` (auto, lutram, bram, uram)."""
    if kind == "lutram" and not ctx.board.lutram:
        kind = "bram"
    if kind == "uram" and ctx.board.capacity.get("uram", 0) == 0:
        kind = "bram"
    cost = rm.place_memory(
        width,
        depth,
        kind,
        bits_per_block=ctx.board.bram_bits,
        lut_inputs=ctx.board.lut_inputs,
        ports=ports,
    )
    return Estimates(bram=cost.bram, uram=cost.uram, lut=cost.lut, lutram_bits=cost.lutram_bits)


def resolved_memory_kind(ctx: CostContext, width: int, depth: int, kind: str) -> str:
    """The RAM kind 'auto' resolves to for a `width × depth` memory on this board."""
    if kind == "auto":
        kind = rm.auto_kind(width, depth)
    if kind == "lutram" and not ctx.board.lutram:
        return "bram"
    if kind == "uram" and ctx.board.capacity.get("uram", 0) == 0:
        return "bram"
    return kind


def control(ctx: CostContext) -> Estimates:
    """Fixed control logic of one stage (handshakes, counters)."""
    return Estimates(lut=rm.coef("lut", "stage_control"), ff=rm.coef("ff", "stage_control"))


@dataclass(frozen=True)
class MacDatapath:
    """Multipliers and adder trees of a MAC array, and the energy of one MAC on them."""

    mult_dsp: float
    mult_lut: float
    tree_lut: float
    fabric: str
    mac_j: float

    @property
    def dsp(self) -> float:
        return self.mult_dsp

    @property
    def lut(self) -> float:
        return self.mult_lut + self.tree_lut


def mac_datapath(
    ctx: CostContext,
    pe: int,
    simd: int,
    weight_bits: int,
    act_bits: int,
    acc_bits: int,
    *,
    mult_rows: int | None = None,
    shift_add: bool = False,
    k_hot: int = 2,
) -> MacDatapath:
    """The multipliers of `mult_rows` (default `pe`) × `simd` lanes, `pe` adder trees of
    `simd` products, and the energy per MAC: K shift-adds for K-hot layers, one
    multiply-accumulate on DSPs or LUTs otherwise."""
    board = ctx.board
    mult = rm.mac_array(
        pe if mult_rows is None else mult_rows,
        simd,
        weight_bits,
        act_bits,
        board.dsp_kind,
        lut_inputs=board.lut_inputs,
        shift_add=shift_add,
        k_hot=k_hot,
        acc_bits=acc_bits,
        dsp_available=board.capacity["dsp"] > 0,
    )
    tree = rm.adder_tree(pe, simd, weight_bits + act_bits, in_dsp=mult.dsp > 0)
    fabric = "dsp" if mult.dsp else "lut"
    mac_j = (
        k_hot * ctx.energy.add_j(acc_bits)
        if shift_add
        else ctx.energy.mac_j(weight_bits, act_bits, fabric)
    )
    return MacDatapath(mult.dsp, mult.lut, tree, fabric, mac_j)


def with_registers(est: Estimates) -> Estimates:
    """Add flip-flops proportional to LUTs and DSPs (pipelining), from the resource model."""
    return est.with_(
        ff=est.ff
        + est.lut * float(rm.coef("ff", "per_lut"))
        + est.dsp * float(rm.coef("ff", "per_dsp"))
    )


@dataclass(frozen=True)
class Epilogue:
    """Per-output work fused after a MAC array, done by `lanes` units in parallel.

    bias: add a per-channel bias (one adder of acc_bits per lane).
    activation: 'none', 'relu' (comparator + mux), 'clip' (two comparators), or
      'lut' (a table of 2^min(in_bits, table_bits) entries × out_bits per two lanes).
    requant: multiply by an integer multiplier (`mult_bits`) and shift; with
      `power_of_two` only a shift (wiring) and a rounding adder.
    """

    bias: bool = False
    activation: str = "none"
    requant: bool = False
    power_of_two: bool = False
    mult_bits: int = 16
    table_bits: int = 10

    def estimate(
        self, ctx: CostContext, lanes: int, acc_bits: int, out_bits: int, outputs: int
    ) -> Estimates:
        """Cost of the epilogue for `outputs` values per inference on `lanes` lanes."""
        e = ctx.energy
        est = Estimates()
        if self.bias:
            est += Estimates(lut=lanes * rm.adder(acc_bits), energy_j=outputs * e.add_j(acc_bits))
        if self.requant:
            if self.power_of_two:
                est += Estimates(
                    lut=lanes * rm.adder(out_bits), energy_j=outputs * e.add_j(out_bits)
                )
            else:
                mult = rm.mac_array(
                    lanes,
                    1,
                    self.mult_bits,
                    acc_bits,
                    ctx.board.dsp_kind,
                    lut_inputs=ctx.board.lut_inputs,
                    dsp_available=ctx.board.capacity["dsp"] > 0,
                )
                est += Estimates(
                    dsp=mult.dsp,
                    lut=mult.lut + lanes * rm.adder(out_bits),
                    energy_j=outputs
                    * e.mac_j(self.mult_bits, acc_bits, "dsp" if mult.dsp else "lut"),
                )
        width = out_bits if self.requant else acc_bits
        if self.activation == "relu":
            est += Estimates(
                lut=lanes
                * (rm.coef("lut", "compare_per_bit") + rm.coef("lut", "mux2_per_bit"))
                * width,
                energy_j=outputs * e.add_j(width),
            )
        elif self.activation == "clip":
            est += Estimates(
                lut=lanes
                * 2
                * (rm.coef("lut", "compare_per_bit") + rm.coef("lut", "mux2_per_bit"))
                * width,
                energy_j=outputs * 2 * e.add_j(width),
            )
        elif self.activation == "lut":
            index_bits = min(width, self.table_bits)
            table = memory_estimate(ctx, out_bits, 2**index_bits, "auto", ports=lanes)
            est += table + Estimates(
                onchip_bytes=outputs * out_bits / 8,
                energy_j=outputs * out_bits / 8 * ctx.energy.onchip_byte_j("bram"),
            )
        return est

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Template(ABC):
    """One hardware operation with its cost model (subclasses are frozen dataclasses)."""

    kind: ClassVar[str] = ""
    FOLDING: ClassVar[tuple[str, ...]] = ()
    """Names of the fields the scheduler chooses (the rest is geometry from the graph)."""

    @abstractmethod
    def estimate(self, ctx: CostContext) -> Estimates:
        """Cycles, resources, bytes and energy of one inference through this template."""

    def options(self) -> list[dict[str, Any]]:
        """Folding choices from least to most parallel (default: only the current one)."""
        return [self.folding()]

    def folding(self) -> dict[str, Any]:
        """The current folding choice as a dict of `FOLDING` fields."""
        return {name: getattr(self, name) for name in self.FOLDING}

    def with_folding(self, **folding: Any) -> Template:
        """A copy with other folding fields (unknown names are an error)."""
        unknown = set(folding) - set(self.FOLDING)
        if unknown:
            raise ValueError(f"{self.kind} has no folding field(s) {sorted(unknown)}")
        return replace(self, **folding)  # type: ignore[type-var]

    def memories(self) -> list[tuple[str, int, int]]:
        """(field name, width, depth) of memories whose placement the scheduler may choose."""
        return []

    def stream_lanes(self) -> tuple[int, int] | None:
        """(input, output) elements per beat of the unit's streams, as its RTL reads and
        writes them; None for a stage that moves no data (its input stream passes on)."""
        return None

    def burst_beats(self) -> int:
        """Output beats the unit may emit on consecutive cycles (a downsizing width converter
        behind it keeps that many spare beats so it never stalls the unit); 0: no bursts."""
        return 0

    def geometry(self) -> dict[str, Any]:
        """The geometry fields (for reports)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]
            if f.name not in self.FOLDING and f.name != "epilogue"
        }


def fold_pairs(
    mh: int, mw: int, *, max_pe: int | None = None, max_simd: int | None = None
) -> list[dict[str, int]]:
    """(PE | mh, SIMD | mw) pairs ordered by parallelism PE·SIMD, then SIMD first
    (FINN unfolds SIMD before PE); one pair per parallelism level."""
    pes = [p for p in divisors(mh) if max_pe is None or p <= max_pe]
    simds = [s for s in divisors(mw) if max_simd is None or s <= max_simd]
    best: dict[int, tuple[int, int]] = {}
    for pe in pes:
        for simd in simds:
            par = pe * simd
            # prefer balanced choices: among equal parallelism keep the one with larger SIMD up to mw
            key = (simd, -pe)
            if par not in best or key > (best[par][1], -best[par][0]):
                best[par] = (pe, simd)
    return [{"pe": pe, "simd": simd} for _, (pe, simd) in sorted(best.items())]
