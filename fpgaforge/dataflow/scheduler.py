"""The dataflow scheduler: template and folding per stage, streaming or tiled.

    sched = schedule(qgraph, "ultra96v2")                       # fastest that fits
    sched = schedule(qgraph, "zcu104", target_fps=1000)         # cheapest meeting 1000/s
    sched.report.throughput, sched.report.layers, sched.to_json()

Streaming (one pipelined stage per fused layer, weights on chip): every stage
starts at its least parallel folding. Without a target the slowest stage is
unfolded step by step (FINN SetFolding) until the next step would exceed the
board's usable resources or the slowest stage is fully parallel. With a
target, each stage takes the least parallel folding whose interval meets
clock/target (the cheapest schedule meeting the target). Memories go to LUT
RAM when small and to BRAM otherwise; when BRAM overflows, the memories that
save the most BRAM move to URAM. Residual joins get skip FIFOs sized from the
latency difference of their branches.

Tiled (one shared weight-stationary GEMM array + vector unit, weights from
DDR/HBM): array sizes rows × cols (powers of two) are tried; buffers take the
on-chip memory left; the fastest that fits (or, with a target, the one using
the smallest fraction of the board that meets it) wins.

`mode="auto"` is streaming when it fits the board at all (and meets the
target, if any), tiled otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fpgaforge.dataflow.errors import DoesNotFitError, ScheduleError
from fpgaforge.dataflow.schedule import LayerReport, Report, Schedule, StageRecord
from fpgaforge.dataflow.stages import StageSpec, form_stages
from fpgaforge.ir.graph import Graph
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates, pipelined, shared
from fpgaforge.units.cost.hardware import KINDS, BoardView, view
from fpgaforge.units.cost.precision import type_bits
from fpgaforge.units.cost.template import CostContext, Template, resolved_memory_kind
from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.tiled_gemm.cost import (
    WEIGHT_SOURCES,
    TiledGemmEngine,
    TiledGemmLayer,
    TiledVectorLayer,
)

MODES = ("auto", "streaming", "tiled")
ARRAY_SIDES = (2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)


# ---- shared helpers ---------------------------------------------------------------------


def _overflow(total: Estimates, board: BoardView) -> dict[str, tuple[float, int]]:
    """Resources over the usable budget: kind → (needed, usable)."""
    out = {}
    for kind in KINDS:
        need = getattr(total, kind)
        if need > board.usable[kind] + 1e-9:
            out[kind] = (need, board.usable[kind])
    return out


def _fraction(total: Estimates, board: BoardView) -> float:
    """The largest used / usable fraction over resource kinds."""
    return max(
        (
            getattr(total, k) / board.usable[k]
            if board.usable[k]
            else (math.inf if getattr(total, k) else 0.0)
        )
        for k in KINDS
    )


def _io(graph: Graph) -> tuple[float, float]:
    """Bytes of the graph's inputs and outputs per batch (what the host moves)."""

    def nbytes(values):
        return sum(v.size * type_bits(v.dtype).bits / 8 for v in values if not v.is_constant)

    return nbytes(graph.inputs), nbytes(graph.outputs)


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


def _notes(graph: Graph, board: BoardView, assumed: bool) -> list[str]:
    notes = []
    if assumed:
        notes.append(
            "Some tensors are float; they were costed as 16-bit fixed point (quantize the model for real figures)."
        )
    if board.static_source != "board file":
        notes.append(f"Static power {board.static_w:.2f} W is an {board.static_source}.")
    return notes


def _precision_assumed(graph: Graph) -> bool:
    return any(type_bits(v.dtype).assumed for n in graph.nodes for v in n.outputs)


# ---- streaming ---------------------------------------------------------------------------


class _Streaming:
    """Folding search state for the streaming style."""

    def __init__(self, specs: list[StageSpec], ctx: CostContext) -> None:
        self.specs = specs
        self.ctx = ctx
        self.options = [spec.streaming.options() for spec in specs]
        self.index = [0] * len(specs)
        self.templates: list[Template] = [
            spec.streaming.with_folding(**opts[0]) if opts else spec.streaming
            for spec, opts in zip(specs, self.options, strict=True)
        ]
        self._cache: dict[tuple[int, tuple], Estimates] = {}

    def est(self, i: int, template: Template | None = None) -> Estimates:
        template = template or self.templates[i]
        key = (i, tuple(sorted(template.folding().items())))
        if key not in self._cache:
            self._cache[key] = template.estimate(self.ctx)
        return self._cache[key]

    def total(self, templates: Sequence[Template] | None = None) -> Estimates:
        templates = templates or self.templates
        return pipelined(self.est(i, t) for i, t in enumerate(templates))

    def placed(self, templates: Sequence[Template]) -> list[Template]:
        """Move memories from BRAM to URAM (largest BRAM saving first) while BRAM overflows."""
        board = self.ctx.board
        templates = list(templates)
        total = self.total(templates)
        if total.bram <= board.usable["bram"] or board.usable["uram"] == 0:
            return templates
        moves = []
        for i, t in enumerate(templates):
            for field_name, width, depth in t.memories():
                if getattr(t, field_name) == "uram":
                    continue
                if resolved_memory_kind(self.ctx, width, depth, getattr(t, field_name)) != "bram":
                    continue
                if rm.uram_efficiency(width, depth) < float(
                    rm.coef("memory", "uram_min_efficiency")
                ):
                    continue
                moved = t.with_folding(**{field_name: "uram"})
                before, after = self.est(i, t), self.est(i, moved)
                saved = before.bram - after.bram
                if saved > 0:
                    moves.append((saved / max(after.uram, 1), saved, i, moved, after.uram))
        moves.sort(key=lambda m: (-m[0], m[2]))
        bram, uram = total.bram, total.uram
        for _, saved, i, moved, extra_uram in moves:
            if bram <= board.usable["bram"]:
                break
            if uram + extra_uram > board.usable["uram"]:
                continue
            templates[i] = moved
            bram -= saved
            uram += extra_uram
        return templates

    def fits(self, templates: Sequence[Template]) -> tuple[bool, list[Template], Estimates]:
        placed = self.placed(templates)
        total = self.total(placed)
        return not _overflow(total, self.ctx.board), placed, total

    def next_faster(self, i: int) -> int | None:
        """Index of the next option of stage i with a strictly smaller interval."""
        current = self.est(i).ii
        opts = self.options[i]
        for j in range(self.index[i] + 1, len(opts)):
            candidate = self.specs[i].streaming.with_folding(**opts[j])
            if self.est(i, candidate).ii < current:
                return j
        return None

    def set(self, i: int, j: int) -> None:
        self.index[i] = j
        self.templates[i] = self.specs[i].streaming.with_folding(**self.options[i][j])

    def unfold_max(self, limit_ii: float | None = None) -> None:
        """Unfold the slowest stage until it cannot be unfolded or the next step does not fit."""
        blocked: set[int] = set()
        while True:
            candidates = [(self.est(i).ii, -i) for i in range(len(self.specs)) if i not in blocked]
            if not candidates:
                return
            ii, neg = max(candidates)
            i = -neg
            if ii <= 0 or (limit_ii is not None and ii <= limit_ii):
                return
            j = self.next_faster(i)
            if j is None:
                return
            old = self.index[i]
            self.set(i, j)
            ok, _, _ = self.fits(self.templates)
            if not ok:
                self.set(i, old)
                return

    def meet(self, target_ii: float) -> bool:
        """Each stage takes its least parallel folding with interval ≤ target; False if one cannot."""
        ok = True
        for i, spec in enumerate(self.specs):
            for j, opt in enumerate(self.options[i]):
                if self.est(i, spec.streaming.with_folding(**opt)).ii <= target_ii:
                    self.set(i, j)
                    break
            else:
                self.set(i, len(self.options[i]) - 1)
                ok = False
        return ok


def _skip_fifos(state: _Streaming, templates: list[Template]) -> list[Template]:
    """Size the skip FIFOs of two-input element-wise stages from their branches' latencies."""
    lat: dict[str, float] = {}
    out = list(templates)
    for i, spec in enumerate(state.specs):
        arrivals = [lat.get(name, 0.0) for name in spec.inputs]
        t = out[i]
        if isinstance(t, Eltwise) and t.inputs >= 2 and len(arrivals) >= 2:
            est = state.est(i, t)
            rate = t.elements / max(est.ii, 1)
            depth = min(t.elements, math.ceil((max(arrivals) - min(arrivals)) * rate))
            out[i] = t.with_folding(skip_fifo_depth=int(max(depth, 2)))
        est = state.est(i, out[i])
        lat[spec.name] = max(arrivals, default=0.0) + (est.cycles - est.ii)
    return out


def _streaming_result(
    state: _Streaming, graph: Graph, io: tuple[float, float], notes: list[str]
) -> tuple[list[Template], Report]:
    return _evaluate_streaming(
        state.specs, state.templates, state.ctx, graph.static_batch, io, notes
    )


def _out_beats(spec: StageSpec, template: Template) -> int:
    """Output beats of a streaming stage per inference: its elements on its `pe` (or `lanes`) lanes."""
    folding = template.folding()
    lanes = int(folding.get("pe", folding.get("lanes", 1)) or 1)
    return spec.out_elements // lanes if spec.out_elements % lanes == 0 else 0


def _evaluate_streaming(
    specs: Sequence[StageSpec],
    templates: Sequence[Template],
    ctx: CostContext,
    batch: int,
    io: tuple[float, float],
    notes: Sequence[str],
) -> tuple[list[Template], Report]:
    ests = [t.estimate(ctx) for t in templates]
    io_bytes = io[0] + io[1]
    io_est = Estimates(offchip_bytes=io_bytes, energy_j=io_bytes * ctx.energy.offchip_byte_j())
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
    io_cycles = io_bytes / bpc if bpc else 0.0
    interval = max(total.ii, io_cycles)
    bound = "memory" if io_cycles > total.ii else "compute"
    layers = [
        LayerReport(spec.name, t.kind, spec.ops, spec.nodes, t.folding(), e, "compute", e.ii, 0.0)
        for spec, t, e in zip(specs, templates, ests, strict=True)
    ]
    return list(templates), _report(total, layers, interval, total.cycles, ctx, batch, bound, notes)


# ---- tiled -----------------------------------------------------------------------------------


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
            m_tile = max(1, min(max_m, 4096, (onchip // 16) // max(1, cols * acc)))
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
            if _overflow(base_est, board):
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
                if not _overflow(est, board):
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
                    t = _with_setup(t, setup)
                elif isinstance(t, TiledVectorLayer):
                    t = _with_setup(
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


def _out_elements(graph: Graph) -> int:
    """Elements of the graph's outputs (what the tiled engine's epilogue sends out)."""
    return int(sum(v.size for v in graph.outputs if not v.is_constant))


def _with_setup(t: Template, setup: int) -> Template:
    from dataclasses import replace

    return replace(t, setup_cycles=setup)  # type: ignore[type-var]


def _evaluate_tiled(
    specs: Sequence[StageSpec],
    engine: TiledGemmEngine,
    layers: Sequence[Template],
    ctx: CostContext,
    batch: int,
    io: tuple[float, float],
    notes: Sequence[str],
    out_elements: int,
) -> Report:
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
    io_bytes = io[0] + io[1]
    work = sum(ests, Estimates())
    cycles = work.cycles + engine.epilogue_cycles(out_elements)
    total = engine_est.with_(
        cycles=cycles,
        ii=cycles,
        macs=work.macs,
        onchip_bytes=work.onchip_bytes,
        offchip_bytes=work.offchip_bytes + io_bytes,
        energy_j=work.energy_j + io_bytes * ctx.energy.offchip_byte_j(),
    )
    bound = "memory" if memory_sum > compute_sum else "compute"
    return _report(total, reports, total.ii, total.cycles, ctx, batch, bound, notes)


# ---- public API -----------------------------------------------------------------------------


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


def _not_fit_message(total: Estimates, board: BoardView, graph: Graph) -> str:
    return (
        f"Model {graph.name!r} does not fit board {board.name!r} in streaming mode even at the least "
        f"parallel folding ({_shortfall(total, board)}); use --mode tiled or auto, a smaller quantization, "
        f"or a larger board."
    )


def _shortfall(total: Estimates, board: BoardView) -> str:
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


def _make(
    graph: Graph,
    ctx: CostContext,
    mode: str,
    stages: Sequence[StageRecord],
    engine: dict | None,
    report: Report,
    target_fps: float | None,
    assumed: bool,
) -> Schedule:
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


def _schedule_streaming(
    graph, specs, ctx, target_fps, io, notes, assumed
) -> tuple[Schedule | None, str | None, Estimates]:
    """(schedule or None, reason when None, least-parallel total)."""
    state = _Streaming(specs, ctx)
    ok, placed, minimum = state.fits(state.templates)
    if not ok:
        return None, _not_fit_message(minimum, ctx.board, graph), minimum
    if target_fps:
        target_ii = ctx.clock_mhz * 1e6 * graph.static_batch / target_fps
        met = state.meet(target_ii)
        ok, placed, _ = state.fits(state.templates)
        if not (met and ok):
            return None, "target", minimum
    else:
        state.unfold_max()
        ok, placed, _ = state.fits(state.templates)
    templates = _skip_fifos(state, placed)
    templates, report = _evaluate_streaming(specs, templates, ctx, graph.static_batch, io, notes)
    if target_fps and report.throughput < target_fps * (1 - 1e-9):
        return None, "target", minimum
    records = [
        StageRecord(s.name, t.kind, s.nodes, t.folding())
        for s, t in zip(specs, templates, strict=True)
    ]
    return _make(graph, ctx, "streaming", records, None, report, target_fps, assumed), None, minimum


def _reason_tail(reason: str) -> str:
    """The explanation part of a tiled-mode refusal, without its leading sentence subject."""
    text = reason.rstrip(".").split("; ", 1)[0]
    return text.split(": ", 1)[1] if ": " in text else text


def _streaming_minimum(graph, specs, ctx, io, notes) -> Estimates:
    _, _, minimum = _schedule_streaming(graph, specs, ctx, None, io, notes, False)
    return minimum


def _schedule_tiled(
    graph, specs, ctx, target_fps, io, notes, assumed, weights="dram"
) -> tuple[Schedule | None, str | None]:
    out_elements = _out_elements(graph)
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
        best = min(meeting, key=lambda c: (_fraction(c.engine_est, ctx.board), c.total.cycles))
    else:
        best = min(choices, key=lambda c: (c.total.cycles, c.engine_est.dsp, c.engine_est.lut))
    report = _evaluate_tiled(specs, best.engine, best.layers, ctx, batch, io, notes, out_elements)
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
    return _make(graph, ctx, "tiled", records, engine, report, target_fps, assumed), None


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
    io = _io(qgraph)
    assumed = _precision_assumed(qgraph)
    notes = _notes(qgraph, ctx.board, assumed)
    streaming_reason = tiled_reason = None
    if mode in ("auto", "streaming"):
        result, streaming_reason, _ = _schedule_streaming(
            qgraph, specs, ctx, target_fps, io, notes, assumed
        )
        if result is not None:
            return result
        if mode == "streaming" and streaming_reason != "target":
            raise DoesNotFitError(streaming_reason)
    if mode in ("auto", "tiled"):
        result, tiled_reason = _schedule_tiled(
            qgraph, specs, ctx, target_fps, io, notes, assumed, tiled_weights
        )
        if result is not None:
            return result
        if tiled_reason != "target" and (mode == "tiled" or streaming_reason != "target"):
            if mode == "tiled":
                raise DoesNotFitError(tiled_reason)
            minimum = _streaming_minimum(qgraph, specs, ctx, io, notes)
            raise DoesNotFitError(
                f"Model {qgraph.name!r} fits board {ctx.board.name!r} neither streaming (at the least parallel "
                f"folding: {_shortfall(minimum, ctx.board)}) nor tiled ({_reason_tail(tiled_reason)}); "
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


def replay(graph: Graph, sched: Schedule | str, *, board: Any = None) -> Schedule:
    """Re-derive a schedule's estimates from its decisions on `graph` (JSON text or `Schedule`)."""
    if isinstance(sched, str):
        sched = Schedule.from_json(sched)
    ctx = _context(board if board is not None else sched.board, sched.clock_mhz)
    specs = form_stages(graph)
    by_name = {s.name: s for s in specs}
    if [s.name for s in specs] != [r.name for r in sched.stages]:
        missing = [r.name for r in sched.stages if r.name not in by_name]
        what = f"stage {missing[0]!r} is not in it" if missing else "its stages differ"
        raise ScheduleError(
            f"The schedule does not match graph {graph.name!r}: {what}; reschedule the model."
        )
    io = _io(graph)
    assumed = _precision_assumed(graph)
    notes = _notes(graph, ctx.board, assumed)
    templates = []
    for spec, record in zip(specs, sched.stages, strict=True):
        base = spec.streaming if sched.mode == "streaming" else spec.tiled
        if base.kind != record.kind:
            raise ScheduleError(
                f"The schedule maps stage {record.name!r} to {record.kind!r} but the graph needs {base.kind!r}; "
                f"reschedule the model."
            )
        t = base.with_folding(**{k: v for k, v in record.folding.items() if k in base.FOLDING})
        if "setup_cycles" in getattr(base, "__dataclass_fields__", {}) and sched.mode == "tiled":
            source = (sched.engine or {}).get("weights", "dram")
            t = _with_setup(
                t, 0 if source == "onchip" else int(rm.coef("tiled", "fill_cycles_per_layer"))
            )
        templates.append(t)
    if sched.mode == "streaming":
        _, report = _evaluate_streaming(specs, templates, ctx, graph.static_batch, io, notes)
        engine = None
    else:
        cfg = dict(sched.engine or {})
        fields = {k: cfg[k] for k in TiledGemmEngine.FOLDING if k in cfg}
        engine_t = TiledGemmEngine(
            weight_bits=cfg["weight_bits"],
            act_bits=cfg["act_bits"],
            acc_bits=cfg["acc_bits"],
            **fields,
        )
        report = _evaluate_tiled(
            specs, engine_t, templates, ctx, graph.static_batch, io, notes, _out_elements(graph)
        )
        engine = cfg
    records = [
        StageRecord(s.name, t.kind, s.nodes, t.folding())
        for s, t in zip(specs, templates, strict=True)
    ]
    return _make(graph, ctx, sched.mode, records, engine, report, sched.target_fps, assumed)
