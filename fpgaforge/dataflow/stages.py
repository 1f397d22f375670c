"""From graph nodes to stages: each node is offered to the unit kits' `match` in kit order;
the first kit that takes it forms a stage of that node and the nodes it fuses.

The fusion rules live with the kits that fuse (`fpgaforge.units.fusion` for the MAC
anchors' epilogues); this module only walks the graph, records which stages feed each
stage, and says which ops no kit takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fpgaforge.dataflow.errors import ScheduleError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units import kits
from fpgaforge.units.cost.template import Template
from fpgaforge.units.fusion import StageMatch


@dataclass
class StageSpec:
    """One stage: the nodes it fuses and its templates in both styles (default folding).

    name: the anchor node's name; nodes: fused node names in order; inputs: names of the
    stages feeding it; streaming / tiled: templates; out_elements: elements of its output.
    """

    name: str
    nodes: tuple[str, ...]
    streaming: Template
    tiled: Template
    inputs: tuple[str, ...] = ()
    out_elements: int = 0
    ops: tuple[str, ...] = field(default=())


def supported_ops() -> list[str]:
    """Every op some unit kit forms a stage from, sorted."""
    ops: set[str] = set()
    for kit in kits():
        matcher = kit.part("match")
        if matcher is not None:
            ops.update(getattr(matcher, "OPS", ()))
    return sorted(ops)


def match_node(node: Node, graph: Graph, batch: int) -> StageMatch:
    """The stage that starts at `node`: the first kit (in kit order) whose `match` takes it."""
    for kit in kits():
        matcher = kit.part("match")
        if matcher is None:
            continue
        found = matcher.match(node, graph, batch)
        if found is not None:
            return found
    raise ScheduleError(
        f"The dataflow scheduler has no hardware template for {node.where()}; supported ops: "
        f"{', '.join(supported_ops())}."
    )


def form_stages(graph: Graph) -> list[StageSpec]:
    """The graph's stages in topological order, with fusion applied."""
    batch = graph.static_batch
    producer_stage: dict[int, str] = {}
    consumed: set[int] = set()
    stages: list[StageSpec] = []
    for node in graph.nodes:
        if id(node) in consumed:
            continue
        found = match_node(node, graph, batch)
        members = list(found.nodes)
        for member in members[1:]:
            consumed.add(id(member))
        inputs: list[str] = []
        for member in members:
            for value in member.inputs:
                if value is not None and id(value) in producer_stage:
                    stage = producer_stage[id(value)]
                    if stage not in inputs and stage != node.name:
                        inputs.append(stage)
        for member in members:
            for value in member.outputs:
                producer_stage[id(value)] = node.name
        stages.append(
            StageSpec(
                name=node.name,
                nodes=tuple(m.name for m in members),
                streaming=found.streaming,
                tiled=found.tiled,
                inputs=tuple(inputs),
                out_elements=members[-1].outputs[0].size,
                ops=tuple(m.op for m in members),
            )
        )
    return stages
