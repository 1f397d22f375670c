"""Stream glue as stages (FINN's InsertDWC / InsertFork / InsertFIFO): once every stage's
folding is chosen, the streams between stages are checked and the glue they need becomes
stages of its own, so the estimates count it and the RTL top is built from it.

- A **fork** (`Fork`) after a stage whose output is read by several stages (or by a stage
  and the graph's output): one stream per reader.
- A **width converter** (`WidthConverter`) before a stage whose input lanes differ from the
  lanes its input stream arrives in (the producer's output lanes, passed on through stages
  that move no data). A downsizer keeps the producer's longest burst as spare beats.
- A **skip FIFO** (`SkipFifo`) on the branch of a two-input join (residual Add) that
  arrives first: the branch through fewer line buffers (windowed or reordering stages),
  on a tie the one through fewer row buffers (a Dense, LayerNorm or Softmax starts its
  output after a whole row, a MatMul of two activations after a whole frame), one frame
  deep.

Each glue stage is named after the stage it serves (`fork_<producer>`, `dwc_<consumer>`,
`skip_<consumer>`) and records its producer (`source`), consumer (`target`) and the value
it carries, so a backend finds the glue of each stream edge without deciding anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from fpgaforge.dataflow.stages import StageSpec
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.cost.template import CostContext, Template
from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.glue.cost import Fork, SkipFifo, WidthConverter

WINDOWED_KINDS = ("conv", "depthwise")
"""Stage kinds that hold a line buffer (their output lags their input by rows)."""

ROW_KINDS = ("mvau", "sparse_gemm", "layernorm", "rmsnorm", "softmax_norm", "act_matmul")
"""Stage kinds whose output starts once a whole row (or frame) of their input is in."""


@dataclass(frozen=True)
class GlueLink:
    """Where a glue stage sits: it carries `value` from stage `source` to stage `target`
    (a fork: to all readers, `target` empty); `port` is the target's input index."""

    source: str
    target: str
    value: str
    port: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "value": self.value,
            "port": self.port,
        }


@dataclass
class _Plan:
    """The stage list being built."""

    specs: list[StageSpec]
    templates: list[Template]
    links: list[GlueLink | None]

    def add(self, name: str, template: Template, link: GlueLink, source: str) -> None:
        """Append a glue stage fed by stage `source`."""
        self.specs.append(
            StageSpec(
                name=name,
                nodes=(),
                streaming=template,
                tiled=template,
                inputs=(source,),
                out_elements=int(getattr(template, "elements", 0)),
                ops=(),
            )
        )
        self.templates.append(template)
        self.links.append(link)


def is_join(template: Template) -> bool:
    """A two-input element-wise stage (a residual Add): both inputs are streams."""
    return isinstance(template, Eltwise) and template.inputs >= 2


def stream_inputs(spec: StageSpec, template: Template, nodes: dict[str, Node]) -> list[Value]:
    """The streams a stage reads, in port order: both inputs of a join or of a unit that
    reads two streams (`STREAM_INPUTS = 2` on its template: the activation MatMul), else the
    first node's first input."""
    first = nodes[spec.nodes[0]]
    if is_join(template) or getattr(template, "STREAM_INPUTS", 1) == 2:
        return [v for v in first.inputs[:2] if v is not None]
    x = first.inputs[0] if first.inputs else None
    return [x] if x is not None and not x.is_constant else []


def reader_counts(graph: Graph, specs: list[StageSpec], nodes: dict[str, Node]) -> dict[str, int]:
    """How many stages (and graph outputs) read each value produced by a node."""
    produced = {o.name for n in graph.nodes for o in n.outputs}
    count: dict[str, int] = {}
    for spec in specs:
        inside = {o.name for name in spec.nodes for o in nodes[name].outputs}
        external = {
            v.name
            for name in spec.nodes
            for v in nodes[name].inputs
            if v is not None and v.name in produced and v.name not in inside
        }
        for name in external:
            count[name] = count.get(name, 0) + 1
    for out in graph.outputs:
        count[out.name] = count.get(out.name, 0) + 1
    return count


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 1
    while candidate in taken:
        k += 1
        candidate = f"{name}_{k}"
    taken.add(candidate)
    return candidate


def insert_glue(
    graph: Graph, specs: list[StageSpec], templates: list[Template]
) -> tuple[list[StageSpec], list[Template], list[GlueLink | None]]:
    """The stages with their glue: (specs, templates, links), where `links[i]` is the
    `GlueLink` of a glue stage and None for a stage of the graph."""
    nodes = {n.name: n for n in graph.nodes}
    graph_inputs = {v.name for v in graph.inputs}
    readers = reader_counts(graph, specs, nodes)
    taken = {s.name for s in specs} | set(nodes)
    stage_of_value: dict[str, int] = {}
    lanes_of: dict[str, int] = {}  # value -> lanes of its stream
    burst_of: dict[str, int] = {}  # value -> the longest burst of the unit that streams it
    depth_of: dict[str, int] = {}  # value -> line buffers on its path from the input
    rows_of: dict[str, int] = {}  # value -> row buffers on its path from the input
    route: dict[str, str] = {}  # value -> the stage its readers take it from (a fork or producer)
    plan = _Plan([], [], [])
    for index, (spec, template) in enumerate(zip(specs, templates, strict=True)):
        lanes = template.stream_lanes()
        inputs = stream_inputs(spec, template, nodes)
        renamed: dict[str, str] = {}
        is_input_quantize = spec.ops == ("Quantize",) and all(
            v.name in graph_inputs for v in inputs
        )
        in_lanes = lanes[0] if lanes else None
        skip_port = _skip_port(inputs, depth_of, rows_of) if is_join(template) else None
        for port, value in enumerate(inputs if not is_input_quantize else []):
            if value.name not in stage_of_value:
                continue
            arriving = lanes_of.get(value.name, 1)
            source = route.get(value.name, specs[stage_of_value[value.name]].name)
            elements = value.size // max(graph.static_batch, 1)
            bits = value_bits(value).bits
            if in_lanes is not None and arriving != in_lanes:
                spare = max(2, burst_of.get(value.name, 0)) if arriving > in_lanes else 2
                name = _unique(f"dwc_{spec.name}", taken)
                plan.add(
                    name,
                    WidthConverter(
                        elements=elements,
                        bits=bits,
                        in_lanes=arriving,
                        out_lanes=in_lanes,
                        spare=spare,
                        burst=burst_of.get(value.name, 1),
                    ),
                    GlueLink(source, spec.name, value.name, port),
                    source,
                )
                source = name
            if port == skip_port:
                fifo_lanes = in_lanes or arriving
                name = _unique(f"skip_{spec.name}", taken)
                plan.add(
                    name,
                    SkipFifo(
                        elements=elements,
                        bits=bits,
                        lanes=fifo_lanes,
                        depth=max(2, elements // fifo_lanes),
                    ),
                    GlueLink(source, spec.name, value.name, port),
                    source,
                )
                source = name
            renamed[specs[stage_of_value[value.name]].name] = source
        plan.specs.append(
            replace(spec, inputs=tuple(renamed.get(name, name) for name in spec.inputs))
        )
        plan.templates.append(template)
        plan.links.append(None)
        # the stage's output stream
        out = nodes[spec.nodes[-1]].outputs[0]
        for member in spec.nodes:
            for v in nodes[member].outputs:
                stage_of_value[v.name] = index
        if lanes is not None:
            lanes_of[out.name] = lanes[1]
            burst_of[out.name] = template.burst_beats()
        elif is_input_quantize:
            lanes_of[out.name] = 1
        elif inputs:  # a stage that moves no data passes its input stream on
            lanes_of[out.name] = lanes_of.get(inputs[0].name, 1)
            burst_of[out.name] = burst_of.get(inputs[0].name, 0)
        windowed = template.kind in WINDOWED_KINDS or (
            template.kind == "stream" and lanes is not None and spec.ops == ("Transpose",)
        )
        depth_of[out.name] = max((depth_of.get(v.name, 0) for v in inputs), default=0) + int(
            windowed
        )
        rows_of[out.name] = max((rows_of.get(v.name, 0) for v in inputs), default=0) + int(
            template.kind in ROW_KINDS
        )
        route[out.name] = spec.name
        count = readers.get(out.name, 1)
        if count >= 2:
            name = _unique(f"fork_{spec.name}", taken)
            plan.add(
                name,
                Fork(
                    elements=out.size // max(graph.static_batch, 1),
                    bits=value_bits(out).bits,
                    lanes=lanes_of[out.name],
                    readers=count,
                ),
                GlueLink(spec.name, "", out.name),
                spec.name,
            )
            route[out.name] = name
    return plan.specs, plan.templates, plan.links


def _skip_port(inputs: list[Value], depth_of: dict[str, int], rows_of: dict[str, int]) -> int:
    """The join input that arrives first: the one through fewer line buffers, then fewer row
    buffers (port 0 only when it is strictly shallower, as the RTL has always chosen)."""
    a, b = ((depth_of.get(v.name, 0), rows_of.get(v.name, 0)) for v in inputs[:2])
    return 0 if a < b else 1


def size_skip_fifos(
    specs: list[StageSpec],
    templates: list[Template],
    links: list[GlueLink | None],
    ctx: CostContext,
) -> list[Template]:
    """The templates with each skip FIFO deep enough for its branch's lag.

    A join's early branch holds what arrives while the late one is still filling: with
    `lag` the estimated cycles between the two branches' first outputs and one frame per
    pipeline interval `II`, at most floor(lag / II) + 1 frames (the lag: the larger of the
    first and the last outputs' as `pipelined` times them; a frame buffer's first output
    is late by its whole input frame, which only the last one shows). One frame (the default)
    when the late branch lags by less than an interval, as behind a convolution's line
    buffer; more behind an attention block, whose frame buffers lag by several, and then
    one frame of slack: the first-inference times miss a fork held back by its slowest
    reader (ViT-tiny at d_model 16: 3 frames gave an interval of 4562 cycles, 4 frames the
    estimated 4096)."""
    ests = [t.estimate(ctx) for t in templates]
    interval = max((e.ii for e in ests), default=0)
    if interval <= 0:
        return templates
    index = {spec.name: i for i, spec in enumerate(specs)}
    producers = [
        [index[n] for n in spec.inputs if index.get(n, i) < i] if spec.inputs else []
        for i, spec in enumerate(specs)
    ]
    first, last = _stream_times(ests, producers)
    out = list(templates)
    for i, (template, link) in enumerate(zip(templates, links, strict=True)):
        if not isinstance(template, SkipFifo) or link is None or link.target not in index:
            continue
        late = [j for j in producers[index[link.target]] if j != i]
        if not late or not producers[i]:
            continue
        early = producers[i][0]
        lag = max(
            max(first[j] for j in late) - first[early], max(last[j] for j in late) - last[early]
        )
        frames = int(max(lag, 0) // interval) + 1
        if frames > 1:
            frames += 1  # slack: the estimate misses a fork held back by its slowest reader
        beats = -(-template.elements // template.lanes)
        out[i] = replace(template, depth=max(template.depth, frames * beats))
    return out


def _stream_times(ests: list[Any], producers: list[list[int]]) -> tuple[list[float], list[float]]:
    """Each stage's first and last output cycle at the first inference, as
    `units.cost.estimates.pipelined` times them (fill from the first input, drain from the
    last, a stage that needs all of its input waits for it)."""
    first: list[float] = []
    last: list[float] = []
    for i, e in enumerate(ests):
        first_in = max((first[j] for j in producers[i]), default=0.0)
        last_in = max((last[j] for j in producers[i]), default=0.0)
        if e.cycles == 0 and e.ii == 0:
            first.append(first_in)
            last.append(last_in)
            continue
        known = e.fill or e.drain
        fill = e.fill if known else e.cycles - e.ii
        drain = e.drain if known else e.cycles - e.ii
        end = max(first_in + e.cycles - 1, last_in + drain)
        first_out = first_in + fill
        if e.need:
            arrival = first_in + e.need * (last_in - first_in)
            end = max(end, arrival + e.cycles - e.need_at - 1)
            first_out = max(first_out, arrival + fill - e.need_at)
        first.append(first_out)
        last.append(end)
    return first, last
