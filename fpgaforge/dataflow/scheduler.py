"""The dataflow scheduler: template and folding per stage, streaming or tiled.

    sched = schedule(qgraph, "ultra96v2")                       # fastest that fits
    sched = schedule(qgraph, "zcu104", target_fps=1000)         # cheapest meeting 1000/s
    sched.report.throughput, sched.report.layers, sched.to_json()
    again = replay(qgraph, sched.to_json())                     # the same estimates

Streaming (one pipelined stage per fused layer, weights on chip) is searched in
`streaming`, tiled (one shared GEMM array + vector unit, weights from DDR/HBM) in
`tiled`; `evaluate` turns the chosen templates into a `Report`.

`mode="auto"` is streaming when it fits the board at all (and meets the
target, if any), tiled otherwise.
"""

from __future__ import annotations

from typing import Any

from fpgaforge.dataflow.errors import DoesNotFitError, ScheduleError
from fpgaforge.dataflow.evaluate import (
    evaluate_tiled,
    io_bytes,
    make_schedule,
    output_elements,
    precision_assumed,
    report_notes,
    shortfall,
)
from fpgaforge.dataflow.schedule import Schedule, StageRecord
from fpgaforge.dataflow.stages import form_stages
from fpgaforge.dataflow.streaming import (
    evaluate_with_glue,
    schedule_streaming,
    streaming_minimum,
)
from fpgaforge.dataflow.tiled import schedule_tiled, with_setup
from fpgaforge.ir.graph import Graph
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.tiled_gemm.cost import WEIGHT_SOURCES, TiledGemmEngine

MODES = ("auto", "streaming", "tiled")


def _context(board: Any, clock_mhz: float | None) -> CostContext:
    bv = view(board)
    clock = float(clock_mhz or bv.default_mhz)
    if clock <= 0:
        raise ScheduleError(f"Clock {clock} MHz must be positive.")
    if clock > bv.max_mhz:
        raise ScheduleError(
            f"Clock {clock:g} MHz is above the {bv.max_mhz:g} MHz maximum of board {bv.name!r}; "
            f"pick a clock of at most {bv.max_mhz:g} MHz."
        )
    return CostContext.of(bv, clock)


def _reason_tail(reason: str) -> str:
    """The explanation part of a tiled-mode refusal, without its leading sentence subject."""
    text = reason.rstrip(".").split("; ", 1)[0]
    return text.split(": ", 1)[1] if ": " in text else text


def schedule(
    qgraph: Graph,
    board: Any,
    *,
    mode: str = "auto",
    target_fps: float | None = None,
    clock_mhz: float | None = None,
    tiled_weights: str = "dram",
) -> Schedule:
    """Schedule a (quantized) graph on a board.

    board: a board name, a `fpgaforge.boards.Board`, or a `BoardView`.
    mode: 'streaming', 'tiled' or 'auto' (streaming when it fits and meets the target).
    target_fps: inferences/s to reach with the cheapest folding; None = the fastest that fits.
    clock_mhz: fabric clock (default: the board's typical accelerator clock).
    tiled_weights: where a tiled engine reads its weights: 'dram' (streamed, the HLS
    engine) or 'onchip' (a weight ROM, the RTL engine).
    Raises `DoesNotFitError` when the model cannot fit in the forced mode and
    `ScheduleError` when the target is out of reach (naming the best achievable figure).
    """
    if mode not in MODES:
        raise ScheduleError(f"Mode {mode!r} is not one of {', '.join(MODES)}.")
    if tiled_weights not in WEIGHT_SOURCES:
        raise ScheduleError(
            f"Tiled weights {tiled_weights!r} is not one of {', '.join(WEIGHT_SOURCES)}."
        )
    if target_fps is not None and not target_fps > 0:
        raise ScheduleError(f"Target {target_fps!r} inferences/s must be a positive number.")
    ctx = _context(board, clock_mhz)
    specs = form_stages(qgraph)
    io = io_bytes(qgraph)
    assumed = precision_assumed(qgraph)
    notes = report_notes(qgraph, ctx.board, assumed)
    streaming_reason = tiled_reason = None
    if mode in ("auto", "streaming"):
        result, streaming_reason, _ = schedule_streaming(
            qgraph, specs, ctx, target_fps, io, notes, assumed
        )
        if result is not None:
            return result
        if mode == "streaming" and streaming_reason != "target":
            raise DoesNotFitError(streaming_reason)
    if mode in ("auto", "tiled"):
        result, tiled_reason = schedule_tiled(
            qgraph, specs, ctx, target_fps, io, notes, assumed, tiled_weights
        )
        if result is not None:
            return result
        if tiled_reason != "target" and (mode == "tiled" or streaming_reason != "target"):
            if mode == "tiled":
                raise DoesNotFitError(tiled_reason)
            minimum = streaming_minimum(qgraph, specs, ctx, io, notes)
            raise DoesNotFitError(
                f"Model {qgraph.name!r} fits board {ctx.board.name!r} neither streaming (at the least parallel "
                f"folding: {shortfall(minimum, ctx.board)}) nor tiled ({_reason_tail(tiled_reason)}); "
                f"use a smaller quantization or a larger board."
            )
    # the target is out of reach: report the fastest schedule that fits
    best = None
    for m in ("streaming", "tiled") if mode == "auto" else (mode,):
        try:
            candidate = schedule(
                qgraph, ctx.board, mode=m, clock_mhz=ctx.clock_mhz, tiled_weights=tiled_weights
            )
        except ScheduleError:
            continue
        if best is None or candidate.throughput > best.throughput:
            best = candidate
    reach = (
        f"the fastest schedule that fits reaches {best.throughput:.3g} inferences/s ({best.mode}, {best.clock_mhz:g} MHz)"
        if best is not None
        else "no schedule fits at all"
    )
    raise ScheduleError(
        f"Target {target_fps:g} inferences/s is out of reach on {ctx.board.name}: {reach}; "
        f"lower --target-fps or pick a larger board."
    )


def replay(
    graph: Graph, sched: Schedule | str, *, board: Any = None, reglue: bool = False
) -> Schedule:
    """Re-derive a schedule's estimates from its decisions on `graph` (JSON text or `Schedule`).

    reglue: derive the stream glue from the stages' foldings instead of checking that the
    schedule's glue stages are the ones they need (for a schedule whose foldings were edited)."""
    if isinstance(sched, str):
        sched = Schedule.from_json(sched)
    ctx = _context(board if board is not None else sched.board, sched.clock_mhz)
    specs = form_stages(graph)
    by_name = {s.name: s for s in specs}
    graph_records = [r for r in sched.stages if r.glue is None]
    if [s.name for s in specs] != [r.name for r in graph_records]:
        missing = [r.name for r in graph_records if r.name not in by_name]
        what = f"stage {missing[0]!r} is not in it" if missing else "its stages differ"
        raise ScheduleError(
            f"The schedule does not match graph {graph.name!r}: {what}; reschedule the model."
        )
    io = io_bytes(graph)
    assumed = precision_assumed(graph)
    notes = report_notes(graph, ctx.board, assumed)
    templates = []
    for spec, record in zip(specs, graph_records, strict=True):
        base = spec.streaming if sched.mode == "streaming" else spec.tiled
        if base.kind != record.kind:
            raise ScheduleError(
                f"The schedule maps stage {record.name!r} to {record.kind!r} but the graph needs {base.kind!r}; "
                f"reschedule the model."
            )
        t = base.with_folding(**{k: v for k, v in record.folding.items() if k in base.FOLDING})
        if "setup_cycles" in getattr(base, "__dataclass_fields__", {}) and sched.mode == "tiled":
            source = (sched.engine or {}).get("weights", "dram")
            t = with_setup(
                t, 0 if source == "onchip" else int(rm.coef("tiled", "fill_cycles_per_layer"))
            )
        templates.append(t)
    if sched.mode == "streaming":
        records, report = evaluate_with_glue(graph, specs, templates, ctx, io, notes)
        if not reglue and [r.name for r in records] != [r.name for r in sched.stages]:
            raise ScheduleError(
                f"The schedule's stream glue does not match graph {graph.name!r}; reschedule the model."
            )
        return make_schedule(
            graph, ctx, sched.mode, records, None, report, sched.target_fps, assumed
        )
    else:
        cfg = dict(sched.engine or {})
        fields = {k: cfg[k] for k in TiledGemmEngine.FOLDING if k in cfg}
        engine_t = TiledGemmEngine(
            weight_bits=cfg["weight_bits"],
            act_bits=cfg["act_bits"],
            acc_bits=cfg["acc_bits"],
            **fields,
        )
        report = evaluate_tiled(
            specs, engine_t, templates, ctx, graph.static_batch, io, notes, output_elements(graph)
        )
        engine = cfg
    records = [
        StageRecord(s.name, t.kind, s.nodes, t.folding())
        for s, t in zip(specs, templates, strict=True)
    ]
    return make_schedule(graph, ctx, sched.mode, records, engine, report, sched.target_fps, assumed)
