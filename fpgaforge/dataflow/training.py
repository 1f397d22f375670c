"""One SAT training step on the tiled array: N:M forward and backward-data GEMMs, dense
weight gradients, the weight update and the mask generation (`fpgaforge estimate --train`).

The array is the SAT array (`rtl/verilog/ff_sat_array.v`) of the tiled engine the scheduler
sizes for the board (`mode="tiled"`), its accumulator buffer sized for the step's GEMMs. In
N:M mode the same processing elements run a GEMM whose reduction axis is stored compressed:
each array row takes one stored value of a group (its index selects the activation), so
the reduction K becomes K·N/M and everything else (the M rows streamed through a weight
tile, the array fill and drain, the weight load, off-chip traffic of activations) stays.
Every GEMM runs with the array's rows split in the number of segments (1, 2, 4 or 8, up to
the engine's limit), each computing its own column tile or streaming its own rows of M
(`split_m`), whichever runs it fastest, a dense one also in the faster orientation
(`_oriented`), an N:M direction on the dense mapping of its masked weights when that is
faster (`_faster`); consecutive passes of a GEMM overlap (`overlap`: the array's two weight
banks).

Per weighted layer (a Dense, MatMul by a constant or Conv as its im2col GEMM: M rows per
sample, reduction K, N outputs, per group), for a batch B:
- forward  Y = X·W^T: M·B × K by K × N, N:M along K (the forward mask)
- backward data dX = dY·W: M·B × N by N × K, N:M along N (the backward mask); for a
  convolution its transposed convolution in stride phases (`backward_data.py`: reduction
  taps × N, N:M along N at every tap); none for a layer that reads the model's input
- weight gradient dW = dY^T·X: K × M·B by M·B × N, dense
- weight update: UPDATE_OPS vector-unit operations per weight (SGD with momentum and weight
  decay), the weight, gradient and momentum read and written off chip
- mask generation: top-N of every M for both masks, ceil(log2 M)+1 comparisons per weight
  and mask, on the vector unit
A direction whose reduction is not a multiple of M (a first convolution with 3 input
channels, a classifier with 10 outputs) runs dense; so does every direction of the dense
baseline, which has neither masks nor their generation. The array and the vector unit
overlap: the backward pass runs each layer's weight gradient before its backward data, and
the layer's update and mask generation run as soon as its weight gradient is done
(`step_cycles`). The ideal speedup when the weight gradient stays dense is 3 / (2N/M + 1)
(all three GEMMs equal, nothing else). A MatMul of two activations has no weights: its
forward and both operands' gradients run dense, with no vector work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from fpgaforge.dataflow.backward_data import backward_phases
from fpgaforge.dataflow.backward_order import backward_order
from fpgaforge.dataflow.stages import form_stages
from fpgaforge.dataflow.tiled import accumulator_rows
from fpgaforge.errors import SparsityError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.numerics.nm import NMPattern
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.fusion import activations, first_activation
from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer, TiledVectorLayer
from fpgaforge.units.tiled_gemm.terms import sat_array_resources

UPDATE_OPS = 4
"""Vector operations per weight of an SGD step with momentum and decay (v = μv + g + λw; w -= ηv)."""
SPLITS_MAX = 8
"""Segments the SAT array's rows can be split in by default (`ff_sat_array`'s SMAX; its
command field takes 1, 2, 4 or 8): a GEMM runs with its rows in 1, 2, 4 or 8 segments,
whichever is fastest. `training_estimate(splits=...)` (`estimate --train --splits`) sets
another limit."""
SPLIT_LIMITS = (1, 2, 4, 8)
"""The segment limits the array's command field can express (log2 S in two bits)."""
UPDATE_TENSORS = 3
"""Tensors per weight the update reads and writes off chip: the weight, its gradient, the momentum."""


@dataclass(frozen=True)
class StepPart:
    """One piece of a training step: its phase, layer, cycles (off-chip transfer cycles
    among them), energy, and the unit that runs it ("array" or "vector"); for an N:M
    direction, `floor_cycles`: the off-chip transfer cycles of its N:M mapping, which no
    N:M mapping beats (`ideal_parts`)."""

    phase: str
    layer: str
    cycles: float
    energy_j: float
    macs: int
    sparse: bool
    unit: str = "array"
    memory_cycles: float = 0.0
    floor_cycles: float = 0.0
    compute_cycles: float = 0.0


def _gemm(
    base: TiledGemmLayer,
    m: int,
    k: int,
    n: int,
    engine: dict[str, Any],
    ctx: CostContext,
    group: int = 1,
    streamed: int | None = None,
) -> TiledGemmLayer:
    """The GEMM M×K by K×N on the SAT array, split in the number of segments (1, 2, ... the
    engine's `splits_max`; each a multiple of `group` rows: N of an N:M GEMM), each computing
    its own column tile or (`split_m`) its own rows of M, whichever runs it fastest.
    `streamed`: the elements of the streamed operand as stored off chip (a convolution's
    input, not its im2col rows; the uncompressed reduction of an N:M GEMM), M·K by default."""
    fold = {
        key: engine[key]
        for key in ("rows", "cols", "weight_buffer_bits", "act_buffer_bits", "m_tile")
        if key in engine
    }
    in_elements = m * k if streamed is None else streamed
    gemm = replace(
        base, m=m, k=k, n=n, in_elements=in_elements, out_elements=m * n, overlap=True, **fold
    )
    limit = int(engine.get("splits_max", SPLITS_MAX))
    options = [
        replace(gemm, splits=s, split_m=split_m)
        for s in SPLIT_LIMITS
        if s <= limit and gemm.rows % s == 0 and (gemm.rows // s) % group == 0
        for split_m in ((False, True) if s > 1 else (False,))
    ]
    return min(options, key=lambda t: t.estimate(ctx).cycles)


def _oriented(
    base: TiledGemmLayer,
    m: int,
    k: int,
    n: int,
    engine: dict[str, Any],
    ctx: CostContext,
    streamed: tuple[int | None, int | None] = (None, None),
) -> TiledGemmLayer:
    """A dense GEMM (M×K by K×N) in the orientation the array runs faster: as it is (the K×N
    operand stationary, M rows streamed) or transposed (C^T = B^T·A^T: the K×M operand
    stationary, N rows streamed). An N:M GEMM has no choice: its compressed operand is the
    stationary one, whose indices select among the streamed activations. `streamed`: the
    stored elements of A and of B (`_gemm`), when not M·K and K·N."""
    straight = _gemm(base, m, k, n, engine, ctx, streamed=streamed[0])
    flipped = _gemm(base, n, k, m, engine, ctx, streamed=streamed[1])
    return min((straight, flipped), key=lambda t: t.estimate(ctx).cycles)


def _faster(
    compressed: TiledGemmLayer, dense: TiledGemmLayer, ctx: CostContext
) -> tuple[TiledGemmLayer, float]:
    """(the GEMM an N:M direction runs, the off-chip cycles of its N:M mapping): the N:M
    mode, unless the dense mapping of the same masked weights runs faster (a GEMM bound by
    its streamed activations, which the dense mapping may keep stationary instead; the mask
    generation then writes the masked weights uncompressed)."""
    nm = compressed.cost(ctx)
    faster = dense if dense.estimate(ctx).cycles < nm.estimates.cycles else compressed
    return faster, nm.memory_cycles


def compressed_reduction(length: int, pattern: NMPattern | None) -> tuple[int, bool]:
    """(reduction length the array runs, whether it runs N:M): a reduction of `length`
    stored N:M runs as length·N/M rows of weights (`ff_sat_array`'s N:M mode); without a
    pattern, or when M does not divide it, it runs dense."""
    if pattern is None or length % pattern.m:
        return length, False
    return length // pattern.m * pattern.n, True


def training_engine(
    graph: Graph,
    ctx: CostContext,
    engine: dict[str, Any],
    batch: int,
    splits: int = SPLITS_MAX,
) -> dict[str, Any]:
    """The scheduler's engine with its rows split in at most `splits` segments
    (`splits_max`, one of SPLIT_LIMITS; the largest power of two dividing the rows below it)
    and its accumulator buffer sized for the step's GEMMs (M rows per sample times the
    batch, the weight gradients' K) by the scheduler's rule, for rows of `splits`·cols
    partial sums (a split array's pass)."""
    if splits not in SPLIT_LIMITS:
        raise SparsityError(
            f"The SAT array splits its rows in 1, 2, 4 or 8 segments, not {splits}; pass "
            "one of those as --splits."
        )
    gemms = [s.tiled for s in form_stages(graph) if isinstance(s.tiled, TiledGemmLayer)]
    if not gemms:
        raise SparsityError(
            f"Graph {graph.name!r} has no Dense, MatMul or Conv layer to train; a training "
            "step estimate needs weighted layers."
        )
    cols = int(engine.get("cols", gemms[0].cols))
    acc = int(engine.get("acc_bits", max(t.acc_bits for t in gemms)))
    max_m = max(max(t.m * batch, t.k, t.n) for t in gemms)
    array_rows = int(engine.get("rows", gemms[0].rows))
    while array_rows % splits:
        splits //= 2
    rows = accumulator_rows(ctx.board.onchip_bits, cols * splits, acc, max_m)
    return {**engine, "acc_buffer_rows": rows, "m_tile": rows, "splits_max": splits}


def step_parts(
    graph: Graph,
    ctx: CostContext,
    engine: dict[str, Any],
    batch: int,
    pattern: NMPattern | None,
) -> list[StepPart]:
    """The pieces of one training step of `graph` (batch `batch`) on the engine `engine`, in
    the order the array runs its GEMMs: every forward, then per layer from the last its
    weight gradient, each layer's backward data held back until a layer whose output it
    reaches comes next (`backward_order`). A layer's update and mask generation follow its
    weight gradient, so the vector unit runs them while the array computes backward data
    (the update writes the weights' next copy and the mask generation the next step's
    compressed images: the backward data still reads this step's). A MatMul of
    two activations (attention's products) has no weights: its forward and the gradients of
    both operands run dense, with no update or masks."""
    if batch < 1:
        raise SparsityError(f"A training step needs a batch of at least 1, got {batch}.")
    stages = [s for s in form_stages(graph) if isinstance(s.tiled, TiledGemmLayer)]
    if not stages:
        raise SparsityError(
            f"Graph {graph.name!r} has no Dense, MatMul or Conv layer to train; a training "
            "step estimate needs weighted layers."
        )
    inputs = {v.name for v in graph.inputs}
    by_name = {node.name: node for node in graph.nodes}
    forward: list[StepPart] = []
    gradients: list[list[StepPart]] = []
    data: list[list[StepPart]] = []
    for spec in stages:
        node = by_name[spec.nodes[0]]
        needs = [v is not None and not _from_input(graph, v, inputs) for v in activations(node)]
        if len(needs) == 2:
            pieces = _activation_product(node, spec.tiled, batch, needs, engine, ctx)
            vector: list[tuple[str, TiledVectorLayer]] = []
        else:
            pieces = _weighted_layer(node, spec.tiled, batch, pattern, needs[0], engine, ctx)
            vector = _vector_work(spec.tiled, pattern, pieces, engine)
        parts = [_array_part(spec.name, piece, ctx) for piece in pieces]
        updates = []
        for phase, layer in vector:
            c = layer.cost(ctx)
            updates.append(
                StepPart(
                    phase, spec.name, c.estimates.cycles, c.estimates.energy_j, 0, False,
                    "vector", c.memory_cycles,
                )
            )  # fmt: skip
        forward.append(parts[0])
        gradients.append([*(p for p in parts if p.phase == "weight gradient"), *updates])
        data.append([p for p in parts if p.phase == "backward data"])
    return forward + backward_order(graph, stages, gradients, data)


@dataclass(frozen=True)
class Piece:
    """A phase of one layer on the array: its GEMMs; for an N:M direction (`sparse`) the
    off-chip cycles of its N:M mapping (`floor`) and its N:M MACs (`macs`, whichever
    mapping runs it: this model's work)."""

    phase: str
    gemms: list[TiledGemmLayer]
    sparse: bool = False
    floor: float = 0.0
    macs: int | None = None


def _array_part(layer: str, piece: Piece, ctx: CostContext) -> StepPart:
    costs = [gemm.cost(ctx) for gemm in piece.gemms]
    macs = sum(g.macs for g in piece.gemms) if piece.macs is None else piece.macs
    return StepPart(
        piece.phase, layer,
        sum(c.estimates.cycles for c in costs),
        sum(c.estimates.energy_j for c in costs),
        macs, piece.sparse, "array",
        sum(c.memory_cycles for c in costs), piece.floor,
        sum(c.compute_cycles for c in costs),
    )  # fmt: skip


def _weighted_layer(
    node: Node,
    t: TiledGemmLayer,
    batch: int,
    pattern: NMPattern | None,
    needs_gradient: bool,
    engine: dict[str, Any],
    ctx: CostContext,
) -> list[Piece]:
    """Forward (N:M along K when M divides it), weight gradient (dense) and, unless the
    layer's input needs no gradient, backward data (`_backward_data`) of a weighted layer;
    the streamed operands as stored: its input X, its output gradient dY."""
    m, k, n = t.m * batch, t.k, t.n
    x = batch * first_activation(node).size
    dy = batch * node.outputs[0].size
    k_fwd, fwd_sparse = compressed_reduction(k, pattern)
    fwd = Piece("forward", [_oriented(t, m, k, n, engine, ctx, streamed=(x, None))])
    if fwd_sparse:
        compressed = _gemm(t, m, k_fwd, n, engine, ctx, pattern.n, streamed=x)
        fastest, floor = _faster(compressed, fwd.gemms[0], ctx)
        fwd = Piece("forward", [fastest], True, floor, compressed.macs)
    pieces = [fwd, Piece("weight gradient", [_oriented(t, k, m, n, engine, ctx, (x, dy))])]
    if needs_gradient:
        pieces.append(_backward_data(node, t, m, dy, pattern, engine, ctx))
    return pieces


def _activation_product(
    node: Node,
    t: TiledGemmLayer,
    batch: int,
    needs: list[bool],
    engine: dict[str, Any],
    ctx: CostContext,
) -> list[Piece]:
    """C = A·B of two activations, each of the `groups` matrices (the batch multiplies
    them): the forward, then the gradients dA = dC·B^T and dB = A^T·dC of the operands that
    need one, all dense (no weights, so no masks)."""
    base = replace(t, groups=t.groups * batch)
    m, k, n = t.m, t.k, t.n
    pieces = [Piece("forward", [_oriented(base, m, k, n, engine, ctx)])]
    grads = []
    if needs[0]:
        grads.append(_oriented(base, m, n, k, engine, ctx))
    if needs[1]:
        grads.append(_oriented(base, k, m, n, engine, ctx))
    if grads:
        pieces.append(Piece("backward data", grads))
    return pieces


def _vector_work(
    t: TiledGemmLayer, pattern: NMPattern | None, pieces: list[Piece], engine: dict[str, Any]
) -> list[tuple[str, TiledVectorLayer]]:
    """The vector unit's work for a weighted layer after its weight gradient: the update
    and, when a direction runs N:M, the mask generation (top-N of every M, both masks)."""
    lanes = int(engine.get("vector_lanes", 32))
    weights = t.groups * t.k * t.n
    update = TiledVectorLayer(
        op="update",
        ops=weights * UPDATE_OPS,
        in_elements=weights,
        out_elements=weights,
        bits=t.weight_bits,
        weight_bytes=2 * UPDATE_TENSORS * weights * max(t.weight_bits, 8) / 8,
        vector_lanes=lanes,
        setup_cycles=t.setup_cycles,
    )
    work = [("weight update", update)]
    masks = sum(1 for piece in pieces if piece.sparse and piece.phase != "weight gradient")
    if pattern is not None and masks:
        comparisons = weights * masks * (math.ceil(math.log2(pattern.m)) + 1)
        gen = TiledVectorLayer(
            op="mask",
            ops=comparisons,
            in_elements=weights,
            out_elements=weights * masks // max(t.weight_bits, 1),
            bits=t.weight_bits,
            vector_lanes=lanes,
            setup_cycles=t.setup_cycles,
        )
        work.append(("mask generation", gen))
    return work


def _backward_data(
    node: Node,
    t: TiledGemmLayer,
    m: int,
    dy: int,
    pattern: NMPattern | None,
    engine: dict[str, Any],
    ctx: CostContext,
) -> Piece:
    """The backward data of a layer (`backward_phases`: dY·W, or a convolution's transposed
    convolution in stride phases), whose forward GEMM streams `m` rows and whose output
    gradient has `dy` elements (each phase streams from it). The reduction of a phase is
    its taps times the outputs per group, N:M when M divides the outputs (the backward
    mask's groups at every tap; each phase in the N:M mode unless `_faster` says)."""
    per_tap, sparse = compressed_reduction(t.n, pattern)
    columns = t.k
    if node.op == "Conv":
        columns = t.k // max(1, math.prod(int(k) for k in node.inputs[1].shape[2:]))
    gemms, floor, macs = [], 0.0, 0
    for phase in backward_phases(node, m):
        gemm = _oriented(t, phase.rows, phase.taps * t.n, columns, engine, ctx, (dy, None))
        if sparse:
            stored = phase.taps * per_tap
            compressed = _gemm(t, phase.rows, stored, columns, engine, ctx, pattern.n, streamed=dy)
            gemm, nm_memory = _faster(compressed, gemm, ctx)
            floor += nm_memory
            macs += compressed.macs
        gemms.append(gemm)
    return Piece("backward data", gemms, sparse, floor, macs if sparse else None)


def step_cycles(parts: list[StepPart]) -> float:
    """Cycles of one step when the vector unit overlaps the array: the array runs its GEMMs
    in order; the vector unit runs each layer's update and mask generation (in order) once
    that layer's weight gradient is done, so only what is left after the last weight
    gradient shows; the two share the off-chip bandwidth, so the step takes at least all
    their transfer cycles."""
    array = vector = 0.0
    for p in parts:
        if p.unit == "array":
            array += p.cycles
        else:
            vector = max(vector, array) + p.cycles
    return max(array, vector, sum(p.memory_cycles for p in parts))


def step_summary(parts: list[StepPart], ctx: CostContext, batch: int) -> dict[str, Any]:
    """Step time (the overlapped schedule of `step_cycles`), samples/s, energy, the busy
    cycles per phase and the step run one part after another (`serial_cycles`)."""
    cycles = step_cycles(parts)
    seconds = cycles / (ctx.clock_mhz * 1e6)
    phases: dict[str, float] = {}
    for p in parts:
        phases[p.phase] = phases.get(p.phase, 0.0) + p.cycles
    return {
        "cycles": cycles,
        "serial_cycles": sum(p.cycles for p in parts),
        "step_s": seconds,
        "samples_per_s": batch / seconds if seconds else 0.0,
        "energy_j": sum(p.energy_j for p in parts),
        "phases": phases,
        "macs": sum(p.macs for p in parts),
    }


def ideal_parts(
    sparse: list[StepPart], dense: list[StepPart], pattern: NMPattern
) -> list[StepPart]:
    """The N:M step's parts with every N:M GEMM taking exactly N/M of the cycles its dense
    GEMM takes on the same array, or the off-chip transfer cycles of its N:M mapping when
    those are more (`floor_cycles`; at most its own cycles): what a mapping without tile quantization of the compressed
    operand could reach on this array and board, everything else (the dense weight
    gradients, the directions M does not divide, the vector unit) as it is."""
    dense_cycles = {(p.phase, p.layer): p.cycles for p in dense if p.unit == "array"}
    scale = pattern.n / pattern.m
    return [
        replace(
            p,
            cycles=min(p.cycles, max(dense_cycles[(p.phase, p.layer)] * scale, p.floor_cycles)),
        )
        if p.sparse
        else p
        for p in sparse
    ]


def array_resources(
    graph: Graph, engine: dict[str, Any], pattern: NMPattern
) -> dict[str, dict[str, float]]:
    """DSP, LUT and FF of the SAT array (`ff_sat_array`: GM-lane activation buses and
    index selects, the engine's `splits_max` segments) for its rows x cols and the graph's widths,
    and of the same array without N:M selects or split (GM 1, one segment), both without the
    activation buffer and its feed (`sat_array_resources(feed=False)`)."""
    gemms = [s.tiled for s in form_stages(graph) if isinstance(s.tiled, TiledGemmLayer)]
    rows, cols = int(engine["rows"]), int(engine["cols"])
    base = {
        "ROWS": rows,
        "COLS": cols,
        "ACT_W": max(t.act_bits for t in gemms),
        "WT_W": max(t.weight_bits for t in gemms),
        "ACC_W": int(engine.get("acc_bits", max(t.acc_bits for t in gemms))),
        "M_TILE": int(engine.get("m_tile", 1)),
        "ACT_DEPTH": 1,
        "LAYERS": 3 * len(gemms),
    }
    splits = int(engine.get("splits_max", 1))
    sat = sat_array_resources(
        {**base, "GN": pattern.n, "GM": pattern.m, "SMAX": splits}, feed=False
    )
    plain = sat_array_resources({**base, "GN": 1, "GM": 1, "SMAX": 1}, feed=False)
    return {"sat_array": sat, "dense_array": plain}


def training_estimate(
    graph: Graph,
    board: Any,
    batch: int,
    sparsity: str,
    *,
    clock_mhz: float | None = None,
    splits: int = SPLITS_MAX,
) -> dict[str, Any]:
    """One training step N:M (`sparsity`) and dense on the tiled engine the scheduler sizes for
    `board` (its rows split in at most `splits` segments): both summaries, the speedup, the
    ideal bound (3 / (2N/M + 1)), the bound of this model's own GEMMs (`work_bound`: dense
    MACs over N:M MACs, a direction M does not divide counted dense, a first layer without
    backward data), the bound on this array (`array_bound`: every N:M GEMM at N/M of its
    dense cycles or at its transfers, `ideal_parts`), the array's resources
    (`array_resources`: the SAT array and the same array without its N:M selects and split)
    and `layers` (`layer_rows`: each array part, N:M against dense)."""
    from fpgaforge.dataflow.scheduler import schedule

    pattern = NMPattern.parse(sparsity)
    sched = schedule(graph, board, mode="tiled", clock_mhz=clock_mhz)
    from fpgaforge.units.cost.hardware import view

    ctx = CostContext.of(view(board), sched.clock_mhz)
    engine = training_engine(graph, ctx, dict(sched.engine or {}), batch, splits)
    sparse_parts = step_parts(graph, ctx, engine, batch, pattern)
    dense_parts = step_parts(graph, ctx, engine, batch, None)
    sparse = step_summary(sparse_parts, ctx, batch)
    dense = step_summary(dense_parts, ctx, batch)
    ideal = step_cycles(ideal_parts(sparse_parts, dense_parts, pattern))
    return {
        "pattern": str(pattern),
        "batch": batch,
        "engine": {k: engine.get(k) for k in ("rows", "cols", "vector_lanes", "splits_max")},
        "clock_mhz": ctx.clock_mhz,
        "sparse": sparse,
        "dense": dense,
        "speedup": dense["cycles"] / sparse["cycles"],
        "bound": 3 / (2 * pattern.n / pattern.m + 1),
        "work_bound": dense["macs"] / sparse["macs"] if sparse["macs"] else 1.0,
        "array_bound": dense["cycles"] / ideal if ideal else 1.0,
        "resources": array_resources(graph, engine, pattern),
        "layers": layer_rows(sparse_parts, dense_parts),
    }


def layer_rows(sparse: list[StepPart], dense: list[StepPart]) -> list[dict[str, Any]]:
    """The array's parts of the N:M step in the order it runs them, each with its dense
    counterpart: layer, phase, whether the direction is N:M, cycles N:M and dense and what
    bounds each ("array", or "transfers" when its off-chip transfers take longer than its
    compute)."""
    by_key = {(p.phase, p.layer): p for p in dense if p.unit == "array"}

    def bound(p: StepPart) -> str:
        return "transfers" if p.memory_cycles > p.compute_cycles else "array"

    return [
        {
            "layer": p.layer,
            "phase": p.phase,
            "sparse": p.sparse,
            "cycles": p.cycles,
            "bound": bound(p),
            "dense_cycles": by_key[(p.phase, p.layer)].cycles,
            "dense_bound": bound(by_key[(p.phase, p.layer)]),
        }
        for p in sparse
        if p.unit == "array"
    ]


def _from_input(graph: Graph, value: Any, inputs: set[str]) -> bool:
    """True when `value` is the model's input or derives from it through weightless nodes
    only (its quantizer, a reshape): no layer before it needs a gradient."""
    producers = {id(o): n for n in graph.nodes for o in n.outputs if o is not None}
    seen = value
    while seen is not None and seen.name not in inputs:
        node = producers.get(id(seen))
        if node is None or any(i is not None and i.is_constant and i.size > 1 for i in node.inputs):
            return False
        seen = node.inputs[0] if node.inputs else None
    return seen is not None
