"""Tiled GEMM engine: a weight-stationary systolic array shared by every layer.

The engine (`TiledGemmEngine`, built once) is a `rows × cols` array of MAC
PEs: rows run along the reduction axis K, cols along the output channels N;
each layer's GEMM (M × K by K × N; a convolution as its implicit im2col with
M = output pixels, K = C/g·kh·kw, N = M_out/g, per group) runs fold by fold:
a `rows × cols` weight tile is held in the PEs while all M input rows stream
through (loop order: column tile, then m chunk, then row tile innermost, so one
accumulator buffer of m_tile × cols partial sums serves a column tile). A vector
unit of `vector_lanes` lanes runs element-wise, pooling, depthwise, softmax and
norm layers, and moves the input in and the output out `vector_lanes` elements per
cycle. Weights come from one of two places (`weights`):
- "dram": streamed from DDR/HBM through a double-buffered weight buffer, with a
  per-layer DMA/command setup (`tiled.fill_cycles_per_layer`);
- "onchip": every layer's weights sit in an on-chip weight ROM (the engine the RTL
  backend generates, `ff_tiled_gemm.v`); the command word is decoded in the cycle it
  is needed and the next layer's first weight load overlaps the previous layer's
  drain, so a layer costs its compute cycles and nothing else.
Activations stay in an on-chip activation buffer when a layer's input and output
fit, and spill to external memory otherwise.

Per-layer cycle model (`TiledGemmLayer`)
- folds = groups · ceil(K/rows) · ceil(N/cols); m_chunks = ceil(M/m_tile)
  (m_tile: output rows whose partial sums fit the accumulator buffer); the SAT array
  (`splits` > 1) runs a GEMM with its rows cut in `splits` segments, each a slice of
  rows/splits reduction rows computing its own cols outputs: ceil(K/(rows/splits)) ·
  ceil(N/(cols·splits)) folds
- compute = folds · Σ_chunks (m_c + rows + cols − 2) + rows: each chunk streams
  m_c rows, plus the skew fill (rows − 1) and drain (cols − 1) of the array; the
  next tile's weights load into shadow registers during streaming (double-buffered
  PE weights), so only the first load (rows cycles) is exposed
- memory = off-chip bytes / (bandwidth / f_clk): weights once per layer when a
  K × cols weight slab fits the weight buffer (else once per m chunk; none when the
  weights are on chip); the input read once per column fold and the output written
  once when they do not fit the activation buffer
- cycles = max(compute, memory) + per-layer setup (double buffering overlaps the
  two); the layer is compute-bound when compute ≥ memory (roofline)

Per inference the engine adds its epilogue (`TiledGemmEngine.epilogue_cycles`): the
last row's accumulate and requantize/write stages (`DRAIN_CYCLES`), then the output
leaving `vector_lanes` elements per cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    memory_estimate,
    with_registers,
)

ENGINE_CONTROL_LUT = 2000
"""Instruction decode, address generators and DMA control of the engine (estimate)."""

DRAIN_CYCLES = 2
"""After a layer's last row leaves the array: one cycle to accumulate, one to requantize and write."""

WEIGHT_SOURCES = ("dram", "onchip")


@dataclass(frozen=True)
class TiledGemmEngine(Template):
    """The shared engine's hardware: array, buffers, vector unit (resources only)."""

    kind = "tiled_engine"
    FOLDING = (
        "rows",
        "cols",
        "vector_lanes",
        "weight_buffer_bits",
        "act_buffer_bits",
        "acc_buffer_rows",
        "act_mem",
        "weights",
    )

    weight_bits: int
    act_bits: int
    acc_bits: int
    rows: int = 16
    cols: int = 16
    vector_lanes: int = 32
    weight_buffer_bits: int = 0
    act_buffer_bits: int = 0
    acc_buffer_rows: int = 1024
    act_mem: str = "bram"
    weights: str = "dram"

    def __post_init__(self) -> None:
        if self.weights not in WEIGHT_SOURCES:
            raise ValueError(f"weights {self.weights!r} is not one of {', '.join(WEIGHT_SOURCES)}")

    @property
    def weights_onchip(self) -> bool:
        return self.weights == "onchip"

    def layer_setup_cycles(self) -> int:
        """Cycles each layer adds to its compute: the DMA/command setup when weights stream
        from DRAM, none when they are on chip (decode and first load overlap the drain)."""
        return 0 if self.weights_onchip else int(rm.coef("tiled", "fill_cycles_per_layer"))

    def epilogue_cycles(self, out_elements: int) -> int:
        """Per inference after the last layer: drain, then the output at `vector_lanes` per cycle."""
        return DRAIN_CYCLES + -(-out_elements // max(self.vector_lanes, 1))

    def memories(self) -> list[tuple[str, int, int]]:
        """(name, width, depth): the weight buffer (double-buffered 2 × weight_buffer_bits when
        weights stream from DRAM; a weight ROM of weight_buffer_bits when they are on chip),
        the activation buffer (act_buffer_bits, in `act_mem`) and the accumulators."""
        w_width = self.cols * self.weight_bits
        a_width = self.rows * self.act_bits
        copies = 1 if self.weights_onchip else 2
        return [
            ("weight_buffer", w_width, max(1, -(-copies * self.weight_buffer_bits // w_width))),
            ("act_buffer", a_width, -(-self.act_buffer_bits // a_width)),
            ("acc_buffer", self.cols * self.acc_bits, self.acc_buffer_rows),
        ]

    def array_cost(self, ctx: CostContext) -> Estimates:
        """The MAC array: rows·cols products (activations shared along a row) and accumulators."""
        mult = rm.mac_array(
            self.cols,
            self.rows,
            self.weight_bits,
            self.act_bits,
            ctx.board.dsp_kind,
            lut_inputs=ctx.board.lut_inputs,
            acc_bits=self.acc_bits,
            dsp_available=ctx.board.capacity["dsp"] > 0,
        )
        add = self.rows * self.cols * rm.adder(self.acc_bits)
        if mult.dsp:
            add *= float(rm.coef("lut", "dsp_tree_fraction"))
        shadow = 2 * self.rows * self.cols * self.weight_bits + self.rows * self.cols * (
            self.act_bits + self.acc_bits
        )
        return Estimates(dsp=mult.dsp, lut=mult.lut + add, ff=shadow)

    def vector_cost(self, ctx: CostContext) -> Estimates:
        """The vector unit: per lane an adder, a comparator and a multiplier (requant, avg, depthwise)."""
        mult = rm.mac_array(
            self.vector_lanes,
            1,
            16,
            self.acc_bits,
            ctx.board.dsp_kind,
            lut_inputs=ctx.board.lut_inputs,
            dsp_available=ctx.board.capacity["dsp"] > 0,
        )
        per_lane = (
            rm.adder(self.acc_bits)
            + (rm.coef("lut", "compare_per_bit") + rm.coef("lut", "mux2_per_bit")) * self.act_bits
        )
        return Estimates(dsp=mult.dsp, lut=mult.lut + self.vector_lanes * per_lane)

    def estimate(self, ctx: CostContext) -> Estimates:
        est = self.array_cost(ctx) + self.vector_cost(ctx) + Estimates(lut=ENGINE_CONTROL_LUT)
        for name, width, depth in self.memories():
            if self.act_buffer_bits == 0 and name == "act_buffer":
                continue
            kind = self.act_mem if name == "act_buffer" else "bram"
            est += memory_estimate(ctx, width, depth, kind)
        return with_registers(est)


@dataclass(frozen=True)
class LayerCost:
    """Per-layer result of the tiled model: estimates plus the roofline split."""

    estimates: Estimates
    compute_cycles: float
    memory_cycles: float

    @property
    def bound(self) -> str:
        return "compute" if self.compute_cycles >= self.memory_cycles else "memory"


def roofline(
    ctx: CostContext,
    compute: float,
    offchip: float,
    setup: int,
    macs: int,
    onchip: float,
    energy: float,
) -> LayerCost:
    """One engine layer: cycles = max(compute, off-chip bytes / bytes-per-cycle) + setup
    (double buffering overlaps the two); a layer runs alone, so its interval is its cycles."""
    bpc = ctx.bytes_per_cycle
    memory = offchip / bpc if bpc else (math.inf if offchip else 0.0)
    cycles = max(compute, memory) + setup
    est = Estimates(
        cycles=cycles,
        ii=cycles,
        macs=macs,
        onchip_bytes=onchip,
        offchip_bytes=offchip,
        energy_j=energy,
    )
    return LayerCost(est, compute, memory)


@dataclass(frozen=True)
class TiledGemmLayer(Template):
    """One GEMM layer run on the shared engine (work and cycles only; no resources)."""

    kind = "tiled_gemm"
    FOLDING = (
        "rows",
        "cols",
        "m_tile",
        "weight_buffer_bits",
        "act_buffer_bits",
        "weights_onchip",
        "splits",
    )

    m: int
    k: int
    n: int
    groups: int
    weight_bits: int
    act_bits: int
    acc_bits: int
    out_bits: int
    in_elements: int
    out_elements: int
    rows: int = 16
    cols: int = 16
    m_tile: int = 1024
    weight_buffer_bits: int = 0
    act_buffer_bits: int = 0
    weights_onchip: bool = False
    fill_cycles: int = 64
    setup_cycles: int = 64
    splits: int = 1
    overlap: bool = False
    split_m: bool = False

    @property
    def macs(self) -> int:
        return self.groups * self.m * self.k * self.n

    @property
    def folds(self) -> int:
        """Weight tiles: with the array split in `splits` segments along its rows (the SAT
        array, `ff_sat_array`), a tile is rows/splits reduction rows by cols·splits outputs,
        or by cols outputs with `split_m` (every segment holds the same tile and streams its
        own rows of M)."""
        rows = max(1, self.rows // self.splits)
        cols = self.cols * (1 if self.split_m else self.splits)
        return self.groups * math.ceil(self.k / rows) * math.ceil(self.n / cols)

    def chunk_passes(self) -> tuple[int, int, int]:
        """(rows a full chunk's pass streams, full chunks, rows the last partial chunk's pass
        streams or 0). A chunk is the m_tile rows whose partial sums the accumulator holds;
        with `split_m` it is splits·m_tile rows, each segment streaming m_tile of them (the
        last chunk's rows shared out evenly)."""
        if self.split_m:
            full, rest = divmod(self.m, self.m_tile * self.splits)
            return self.m_tile, full, -(-rest // self.splits)
        tile = max(1, min(self.m_tile, self.m))
        full, rest = divmod(self.m, tile)
        return tile, full, rest

    def compute_cycles(self) -> int:
        """folds · Σ_chunks (m_c + rows + cols − 2) + rows (first weight load); a split array
        keeps the fill and drain of the whole array. With `overlap` (the SAT array's two
        weight banks) each pass but the last takes max(m_c, P) and only the last drains, P =
        max(rows, cols + 1): the next tile loads one row a cycle, row r once the pass before
        has left it (cols cycles in). folds · Σ_chunks max(m_c, P) − max(m_last, P) + m_last
        + rows + cols − 2 + rows."""
        tile, full, rest = self.chunk_passes()
        fill = self.rows + self.cols - 2
        if not self.overlap:
            per_fold = full * (tile + fill) + (rest + fill if rest else 0)
            return self.folds * per_fold + self.rows
        floor = max(self.rows, self.cols + 1)
        per_fold = full * max(tile, floor) + (max(rest, floor) if rest else 0)
        last = rest if rest else tile
        return self.folds * per_fold - max(last, floor) + last + fill + self.rows

    def offchip_bytes(self) -> tuple[float, float]:
        """(weight bytes, activation bytes) moved to/from external memory per inference."""
        weights = (
            0.0 if self.weights_onchip else self.groups * self.k * self.n * self.weight_bits / 8
        )
        slab = self.k * self.cols * self.weight_bits
        _, full, rest = self.chunk_passes()
        chunks = full + (1 if rest else 0)
        if slab > self.weight_buffer_bits:
            weights *= chunks
        in_bits = self.in_elements * self.act_bits
        out_bits = self.out_elements * self.out_bits
        if in_bits + out_bits <= self.act_buffer_bits:
            acts = 0.0
        else:
            passes = 1 if in_bits <= self.act_buffer_bits else math.ceil(self.n / self.cols)
            acts = (in_bits * passes + out_bits) / 8
        return weights, acts

    def cost(self, ctx: CostContext) -> LayerCost:
        compute = self.compute_cycles()
        weights, acts = self.offchip_bytes()
        offchip = weights + acts
        e = ctx.energy
        onchip = (
            self.macs * (self.act_bits + self.weight_bits) / 8 / max(self.rows, 1)
            + (self.in_elements * self.act_bits + self.out_elements * self.out_bits) / 8
        )
        fabric = (
            "dsp"
            if ctx.board.capacity["dsp"] > 0 and max(self.weight_bits, self.act_bits) > 4
            else "lut"
        )
        energy = (
            self.macs * e.mac_j(self.weight_bits, self.act_bits, fabric)
            + onchip * e.onchip_byte_j("bram")
            + offchip * e.offchip_byte_j()
        )
        return roofline(ctx, compute, offchip, self.setup_cycles, self.macs, onchip, energy)

    def estimate(self, ctx: CostContext) -> Estimates:
        return self.cost(ctx).estimates


@dataclass(frozen=True)
class TiledVectorLayer(Template):
    """A non-GEMM layer (element-wise, pooling, depthwise, softmax, norm) on the vector unit.

    cycles = max(ops / lanes, off-chip bytes / bytes-per-cycle) + setup; `ops` counts
    lane operations (one per element per pass; one per MAC for depthwise).
    """

    kind = "tiled_vector"
    FOLDING = ("vector_lanes", "act_buffer_bits", "weights_onchip")

    op: str
    ops: int
    in_elements: int
    out_elements: int
    bits: int
    macs_: int = 0
    weight_bytes: float = 0.0
    vector_lanes: int = 32
    act_buffer_bits: int = 0
    weights_onchip: bool = False
    setup_cycles: int = 64

    def cost(self, ctx: CostContext) -> LayerCost:
        compute = math.ceil(self.ops / max(self.vector_lanes, 1))
        io_bits = (self.in_elements + self.out_elements) * self.bits
        acts = 0.0 if io_bits <= self.act_buffer_bits else io_bits / 8
        offchip = acts + (0.0 if self.weights_onchip else self.weight_bytes)
        if compute == 0 and offchip == 0:
            return LayerCost(Estimates(), 0, 0)
        e = ctx.energy
        onchip = io_bits / 8
        energy = (
            (
                self.macs_ * e.mac_j(self.bits, self.bits, "lut")
                if self.macs_
                else self.ops * e.add_j(self.bits)
            )
            + onchip * e.onchip_byte_j("bram")
            + offchip * e.offchip_byte_j()
        )
        return roofline(ctx, compute, offchip, self.setup_cycles, self.macs_, onchip, energy)

    def estimate(self, ctx: CostContext) -> Estimates:
        return self.cost(ctx).estimates
