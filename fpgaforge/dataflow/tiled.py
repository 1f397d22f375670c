"""The tiled search: one shared weight-stationary GEMM array + vector unit, weights from DDR/HBM.

Array sizes rows × cols (powers of two and their 1.5 multiples) are tried; buffers take
the on-chip memory left; the fastest that fits (or, with a target, the one using the
smallest fraction of the board that meets it) wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fpgaforge.dataflow.evaluate import (
    evaluate_tiled,
    fraction,
    make_schedule,
    output_elements,
    overflow,
)
from fpgaforge.dataflow.schedule import Schedule, StageRecord
from fpgaforge.dataflow.stages import StageSpec
from fpgaforge.units.cost.estimates import Estimates, shared
from fpgaforge.units.cost.template import CostContext, Template
from fpgaforge.units.tiled_gemm.cost import TiledGemmEngine, TiledGemmLayer, TiledVectorLayer

ARRAY_SIDES = (2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


@dataclass(frozen=True)
class _TiledChoice:
    engine: TiledGemmEngine
    layers: tuple[Template, ...]
    engine_est: Estimates
    total: Estimates


def _weight_bits(specs: Sequence[StageSpec]) -> int:
    """Bits of every weight the tiled layers read (the on-chip weight ROM's size)."""
    total = 0.0
    for spec in specs:
        t = spec.tiled
        if isinstance(t, TiledGemmLayer):
            total += t.groups * t.k * t.n * t.weight_bits
        elif isinstance(t, TiledVectorLayer):
            total += t.weight_bytes * 8
    return int(total)


ACC_ROWS_MAX = 4096
"""The most output rows the accumulator buffer holds (partial sums of one column tile)."""


def accumulator_rows(onchip_bits: int, cols: int, acc_bits: int, max_m: int) -> int:
    """Rows of the accumulator buffer (`m_tile`): the GEMMs' largest M, at most ACC_ROWS_MAX
    and a sixteenth of the on-chip memory."""
    return max(1, min(max_m, ACC_ROWS_MAX, (onchip_bits // 16) // max(1, cols * acc_bits)))


def _tiled_candidates(
    specs: list[StageSpec], ctx: CostContext, out_elements: int, weights: str = "dram"
) -> list[_TiledChoice]:
    board = ctx.board
    gemms = [s.tiled for s in specs if isinstance(s.tiled, TiledGemmLayer)]
    if not gemms:
        gemms = [
            TiledGemmLayer(
                m=1,
                k=1,
                n=1,
                groups=1,
                weight_bits=8,
                act_bits=8,
                acc_bits=32,
                out_bits=8,
                in_elements=1,
                out_elements=1,
            )
        ]
    wb = max(g.weight_bits for g in gemms)
    ab = max(g.act_bits for g in gemms)
    acc = max(g.acc_bits for g in gemms)
    max_k = max(g.k for g in gemms)
    max_m = max(g.m for g in gemms)
    onchip = board.onchip_bits
    on_chip_weights = weights == "onchip"
    act_mem = "uram" if board.usable["uram"] > 0 else "bram"
    choices = []
    for rows in ARRAY_SIDES:
        for cols in ARRAY_SIDES:
            lanes = min(64, max(8, cols))
            if on_chip_weights:
                weight_buffer = max(_weight_bits(specs), cols * wb * rows)
            else:
                weight_buffer = min(max_k * cols * wb, max(onchip // 8, cols * wb * rows))
            m_tile = accumulator_rows(onchip, cols, acc, max_m)
            base = TiledGemmEngine(
                weight_bits=wb,
                act_bits=ab,
                acc_bits=acc,
                rows=rows,
                cols=cols,
                vector_lanes=lanes,
                weight_buffer_bits=weight_buffer,
                act_buffer_bits=0,
                acc_buffer_rows=m_tile,
                act_mem=act_mem,
                weights=weights,
            )
            setup = base.layer_setup_cycles()
            base_est = base.estimate(ctx)
            if overflow(base_est, board):
                continue
            if act_mem == "uram":
                free_bits = (board.usable["uram"] - base_est.uram) * 288 * 1024
            else:
                free_bits = (board.usable["bram"] - base_est.bram) * board.bram_bits
            act_bits_cap = int(max(0, free_bits) * 0.9)
            engine, est = base, base_est
            while act_bits_cap > 0:
                engine = base.with_folding(act_buffer_bits=act_bits_cap)
                est = engine.estimate(ctx)
                if not overflow(est, board):
                    break
                act_bits_cap = int(act_bits_cap * 0.8)
            else:
                engine, est = base, base_est
            layers = []
            for spec in specs:
                t = spec.tiled
                if isinstance(t, TiledGemmLayer):
                    t = t.with_folding(
                        rows=rows,
                        cols=cols,
                        m_tile=m_tile,
                        weight_buffer_bits=weight_buffer,
                        act_buffer_bits=engine.act_buffer_bits,
                        weights_onchip=on_chip_weights,
                    )
                    t = with_setup(t, setup)
                elif isinstance(t, TiledVectorLayer):
                    t = with_setup(
                        t.with_folding(
                            vector_lanes=lanes,
                            act_buffer_bits=engine.act_buffer_bits,
                            weights_onchip=on_chip_weights,
                        ),
                        setup,
                    )
                layers.append(t)
            total = shared([t.estimate(ctx) for t in layers])
            epilogue = engine.epilogue_cycles(out_elements)
            total = total.with_(cycles=total.cycles + epilogue, ii=total.ii + epilogue)
            choices.append(_TiledChoice(engine, tuple(layers), est, total))
    return choices


def with_setup(t: Template, setup: int) -> Template:
    """A tiled layer with `setup` cycles before its first tile (the weight fill from DRAM)."""
    return replace(t, setup_cycles=setup)  # type: ignore[type-var]


def schedule_tiled(
    graph, specs, ctx, target_fps, io, notes, assumed, weights="dram"
) -> tuple[Schedule | None, str | None]:
    """(schedule or None, reason when None: a sentence, or 'target' when only the target fails)."""
    out_elements = output_elements(graph)
    choices = _tiled_candidates(specs, ctx, out_elements, weights)
    if not choices:
        if weights == "onchip":
            return None, (
                f"Model {graph.name!r} does not fit board {ctx.board.name!r} in tiled mode with its "
                f"weights on chip: {_weight_bits(specs) / 8192:,.1f} KiB of weights and the smallest "
                f"GEMM array exceed the usable resources; stream the weights from DRAM "
                f"(--tiled-weights dram, HLS backend) or pick a larger board."
            )
        return None, (
            f"Model {graph.name!r} does not fit board {ctx.board.name!r} in tiled mode: even the "
            f"smallest GEMM array and its buffers exceed the usable resources."
        )
    batch = graph.static_batch
    f = ctx.clock_mhz * 1e6
    if target_fps:
        meeting = [
            c for c in choices if c.total.cycles and f / c.total.cycles * batch >= target_fps
        ]
        if not meeting:
            return None, "target"
        best = min(meeting, key=lambda c: (fraction(c.engine_est, ctx.board), c.total.cycles))
    else:
        best = min(choices, key=lambda c: (c.total.cycles, c.engine_est.dsp, c.engine_est.lut))
    report = evaluate_tiled(specs, best.engine, best.layers, ctx, batch, io, notes, out_elements)
    records = [
        StageRecord(s.name, t.kind, s.nodes, t.folding())
        for s, t in zip(specs, best.layers, strict=True)
    ]
    engine = {
        "kind": best.engine.kind,
        **best.engine.folding(),
        "weight_bits": best.engine.weight_bits,
        "act_bits": best.engine.act_bits,
        "acc_bits": best.engine.acc_bits,
    }
    return make_schedule(graph, ctx, "tiled", records, engine, report, target_fps, assumed), None
