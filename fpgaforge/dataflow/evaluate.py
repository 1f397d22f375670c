"""The evaluation of a chosen set of templates into a `Report`, and the helpers both searches share.

`evaluate_streaming` and `evaluate_tiled` turn the templates the searches chose (or a
replayed schedule's) into a `Report`: cycles, interval, latency, resources, power and
energy; `overflow`, `fraction` and `shortfall` measure a total against the board's budget.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fpgaforge.dataflow.schedule import LayerReport, Report, Schedule, StageRecord
from fpgaforge.dataflow.stages import StageSpec
from fpgaforge.ir.executor import batch_mixing_node
from fpgaforge.ir.graph import Graph
from fpgaforge.units.cost.estimates import Estimates, pipelined
from fpgaforge.units.cost.hardware import KINDS, BoardView
from fpgaforge.units.cost.precision import type_bits
from fpgaforge.units.cost.template import CostContext, Template
from fpgaforge.units.tiled_gemm.cost import TiledGemmEngine

# ---- the board's budget -----------------------------------------------------------------


def overflow(total: Estimates, board: BoardView) -> dict[str, tuple[float, int]]:
    """Resources over the usable budget: kind → (needed, usable)."""
    out = {}
    for kind in KINDS:
        need = getattr(total, kind)
        if need > board.usable[kind] + 1e-9:
            out[kind] = (need, board.usable[kind])
    return out


def fraction(total: Estimates, board: BoardView) -> float:
    """The largest used / usable fraction over resource kinds."""
    return max(
        (
            getattr(total, k) / board.usable[k]
            if board.usable[k]
            else (math.inf if getattr(total, k) else 0.0)
        )
        for k in KINDS
    )


def shortfall(total: Estimates, board: BoardView) -> str:
    """'DSP 10 needed vs 6 usable; ...' for every resource kind that overflows."""
    parts = [
        f"{k.upper()} {getattr(total, k):,.0f} needed vs {board.usable[k]:,} usable"
        for k in KINDS
        if getattr(total, k) > board.usable[k]
    ]
    if "bram" in " ".join(parts).lower() and board.usable["uram"]:
        parts.append(
            f"URAM {total.uram:,.0f} of {board.usable['uram']:,} usable already holds weights"
        )
    return "; ".join(parts)


# ---- what the graph brings ---------------------------------------------------------------


def io_bytes(graph: Graph) -> tuple[float, float]:
    """Bytes of the graph's inputs and outputs per batch (what the host moves)."""

    def nbytes(values):
        return sum(v.size * type_bits(v.dtype).bits / 8 for v in values if not v.is_constant)

    return nbytes(graph.inputs), nbytes(graph.outputs)


def output_elements(graph: Graph) -> int:
    """Elements of the graph's outputs (what the tiled engine's epilogue sends out)."""
    return int(sum(v.size for v in graph.outputs if not v.is_constant))


def precision_assumed(graph: Graph) -> bool:
    """Whether some tensor is float (costed as 16-bit fixed point)."""
    return any(type_bits(v.dtype).assumed for n in graph.nodes for v in n.outputs)


def report_notes(graph: Graph, board: BoardView, assumed: bool) -> list[str]:
    """The report's caveats: assumed precision, estimated static power, a dimension 0 that
    is not a batch."""
    notes = []
    mixing = batch_mixing_node(graph) if graph.static_batch > 1 else None
    if mixing is not None:
        notes.append(
            f"{mixing.where()[0].upper()}{mixing.where()[1:]} mixes the "
            f"{graph.static_batch} entries of dimension 0, so they are not independent "
            "inferences: the figures count each entry as one, and `build` refuses the model "
            "(export it with a batch dimension of 1 in front)."
        )
    if assumed:
        notes.append(
            "Some tensors are float; they were costed as 16-bit fixed point (quantize the model for real figures)."
        )
    if board.static_source != "board file":
        notes.append(f"Static power {board.static_w:.2f} W is an {board.static_source}.")
    return notes


# ---- reports -------------------------------------------------------------------------------


def _resources(total: Estimates, board: BoardView) -> dict[str, dict[str, float]]:
    out = {}
    for kind in KINDS:
        used = float(getattr(total, kind))
        cap = board.capacity[kind]
        out[kind] = {
            "used": used,
            "available": cap,
            "usable": board.usable[kind],
            "percent": 100.0 * used / cap if cap else (0.0 if used == 0 else math.inf),
        }
    out["lutram_bits"] = {
        "used": float(total.lutram_bits),
        "available": 0,
        "usable": 0,
        "percent": 0.0,
    }
    return out


def _report(
    total: Estimates,
    layers: Sequence[LayerReport],
    interval: float,
    latency: float,
    ctx: CostContext,
    batch: int,
    bound: str,
    notes: Sequence[str],
) -> Report:
    f = ctx.clock_mhz * 1e6
    runs = f / interval if interval else math.inf
    throughput = runs * batch
    dynamic_w = total.energy_j * runs
    static_w = ctx.board.static_w
    power = static_w + dynamic_w
    return Report(
        total=total,
        layers=tuple(layers),
        throughput=throughput,
        latency_s=latency / f,
        interval_cycles=interval,
        latency_cycles=latency,
        resources=_resources(total, ctx.board),
        static_w=static_w,
        dynamic_w=dynamic_w,
        power_w=power,
        energy_per_inference_j=power / throughput if throughput else math.inf,
        bound=bound,
        notes=tuple(notes),
    )


def _out_beats(spec: StageSpec, template: Template) -> int:
    """Output beats of a streaming stage per inference: its elements on its output lanes
    (`stream_lanes`, else its `pe` or `lanes` folding)."""
    folding = template.folding()
    stream = template.stream_lanes()
    lanes = stream[1] if stream else int(folding.get("pe", folding.get("lanes", 1)) or 1)
    return spec.out_elements // lanes if spec.out_elements % lanes == 0 else 0


def evaluate_streaming(
    specs: Sequence[StageSpec],
    templates: Sequence[Template],
    ctx: CostContext,
    batch: int,
    io: tuple[float, float],
    notes: Sequence[str],
) -> tuple[list[Template], Report]:
    """The report of a pipeline of streaming stages (and the templates, unchanged)."""
    ests = [t.estimate(ctx) for t in templates]
    io_total = io[0] + io[1]
    io_est = Estimates(offchip_bytes=io_total, energy_j=io_total * ctx.energy.offchip_byte_j())
    index = {spec.name: i for i, spec in enumerate(specs)}
    producers = [
        [index[n] for n in spec.inputs if index.get(n, i) < i]
        if spec.inputs
        else ([i - 1] if i else [])
        for i, spec in enumerate(specs)
    ]
    beats = [_out_beats(s, t) for s, t in zip(specs, templates, strict=True)]
    total = pipelined(ests, producers, beats) + io_est
    bpc = ctx.bytes_per_cycle
    io_cycles = io_total / bpc if bpc else 0.0
    interval = max(total.ii, io_cycles)
    bound = "memory" if io_cycles > total.ii else "compute"
    layers = [
        LayerReport(spec.name, t.kind, spec.ops, spec.nodes, t.folding(), e, "compute", e.ii, 0.0)
        for spec, t, e in zip(specs, templates, ests, strict=True)
    ]
    return list(templates), _report(total, layers, interval, total.cycles, ctx, batch, bound, notes)


def evaluate_tiled(
    specs: Sequence[StageSpec],
    engine: TiledGemmEngine,
    layers: Sequence[Template],
    ctx: CostContext,
    batch: int,
    io: tuple[float, float],
    notes: Sequence[str],
    out_elements: int,
) -> Report:
    """The report of tiled layers run one after the other on `engine`."""
    engine_est = engine.estimate(ctx)
    reports = []
    ests = []
    compute_sum = memory_sum = 0.0
    for spec, t in zip(specs, layers, strict=True):
        cost = t.cost(ctx) if hasattr(t, "cost") else None
        est = cost.estimates if cost else Estimates()
        ests.append(est)
        compute_sum += cost.compute_cycles if cost else 0
        memory_sum += cost.memory_cycles if cost else 0
        reports.append(
            LayerReport(
                spec.name,
                t.kind,
                spec.ops,
                spec.nodes,
                t.folding(),
                est,
                cost.bound if cost else "compute",
                cost.compute_cycles if cost else 0,
                cost.memory_cycles if cost else 0,
            )
        )
    io_total = io[0] + io[1]
    work = sum(ests, Estimates())
    cycles = work.cycles + engine.epilogue_cycles(out_elements)
    total = engine_est.with_(
        cycles=cycles,
        ii=cycles,
        macs=work.macs,
        onchip_bytes=work.onchip_bytes,
        offchip_bytes=work.offchip_bytes + io_total,
        energy_j=work.energy_j + io_total * ctx.energy.offchip_byte_j(),
    )
    bound = "memory" if memory_sum > compute_sum else "compute"
    return _report(total, reports, total.ii, total.cycles, ctx, batch, bound, notes)


def make_schedule(
    graph: Graph,
    ctx: CostContext,
    mode: str,
    stages: Sequence[StageRecord],
    engine: dict | None,
    report: Report,
    target_fps: float | None,
    assumed: bool,
) -> Schedule:
    """The `Schedule` of `graph` on the context's board with these decisions and their report."""
    return Schedule(
        graph=graph.name,
        board=ctx.board.name,
        mode=mode,
        clock_mhz=ctx.clock_mhz,
        batch=graph.static_batch,
        stages=tuple(stages),
        engine=engine,
        report=report,
        target_fps=target_fps,
        precision_assumed=assumed,
    )
