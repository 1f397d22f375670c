"""The streaming folding search: one pipelined stage per fused layer, weights on chip.

Every stage starts at its least parallel folding. Without a target the slowest stage is
unfolded step by step (FINN SetFolding) until the next step would exceed the board's
usable resources or the slowest stage is fully parallel. With a target, each stage takes
the least parallel folding whose interval meets clock/target (the cheapest schedule
meeting the target). Memories go to LUT RAM when small and to BRAM otherwise; when BRAM
overflows, the memories that save the most BRAM move to URAM. The chosen stages then get
their stream glue (width converters, forks, skip FIFOs) as stages of their own
(`fpgaforge.dataflow.glue`); the search itself does not budget the glue's few LUTs.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.dataflow.evaluate import evaluate_streaming, make_schedule, overflow, shortfall
from fpgaforge.dataflow.glue import insert_glue, size_skip_fifos
from fpgaforge.dataflow.schedule import Report, Schedule, StageRecord
from fpgaforge.dataflow.stages import StageSpec
from fpgaforge.ir.graph import Graph
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates, pipelined
from fpgaforge.units.cost.hardware import BoardView
from fpgaforge.units.cost.template import CostContext, Template, resolved_memory_kind


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
        return not overflow(total, self.ctx.board), placed, total

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


def _not_fit_message(total: Estimates, board: BoardView, graph: Graph) -> str:
    return (
        f"Model {graph.name!r} does not fit board {board.name!r} in streaming mode even at the least "
        f"parallel folding ({shortfall(total, board)}); use --mode tiled or auto, a smaller quantization, "
        f"or a larger board."
    )


def schedule_streaming(
    graph, specs, ctx, target_fps, io, notes, assumed
) -> tuple[Schedule | None, str | None, Estimates]:
    """(schedule or None, reason when None (a sentence, or 'target'), least-parallel total)."""
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
    records, report = evaluate_with_glue(graph, specs, placed, ctx, io, notes)
    if target_fps and report.throughput < target_fps * (1 - 1e-9):
        return None, "target", minimum
    return (
        make_schedule(graph, ctx, "streaming", records, None, report, target_fps, assumed),
        None,
        minimum,
    )


def evaluate_with_glue(
    graph: Graph,
    specs: list[StageSpec],
    templates: list[Template],
    ctx: CostContext,
    io: tuple[float, float],
    notes: Sequence[str],
) -> tuple[list[StageRecord], Report]:
    """The stage records and report of the chosen streaming templates with their stream glue
    (width converters, forks, skip FIFOs) inserted as stages (`fpgaforge.dataflow.glue`)."""
    g_specs, g_templates, links = insert_glue(graph, specs, templates)
    g_templates = size_skip_fifos(g_specs, g_templates, links, ctx)
    _, report = evaluate_streaming(g_specs, g_templates, ctx, graph.static_batch, io, notes)
    records = [
        StageRecord(
            s.name,
            t.kind,
            s.nodes,
            t.folding(),
            None if link is None else {**link.to_dict(), **t.geometry()},
        )
        for s, t, link in zip(g_specs, g_templates, links, strict=True)
    ]
    return records, report


def streaming_minimum(graph, specs, ctx, io, notes) -> Estimates:
    """The total at the least parallel folding (what a refusal names as needed)."""
    _, _, minimum = schedule_streaming(graph, specs, ctx, None, io, notes, False)
    return minimum
