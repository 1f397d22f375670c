"""What a model asks of a processor, per node: MACs, parameters and activation elements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fpgaforge.ir.summary import summarize


@dataclass(frozen=True)
class NodeWork:
    """One node of a float graph at the graph's own batch: multiply-accumulates, parameter
    elements, and activation elements read (non-constant inputs) and written (outputs)."""

    name: str
    op: str
    macs: int
    params: int
    activations: int


@dataclass(frozen=True)
class Workload:
    """The nodes of a graph and the batch its input shapes were given for."""

    model: str
    batch: int
    nodes: tuple[NodeWork, ...]

    @property
    def macs(self) -> int:
        return sum(n.macs for n in self.nodes)

    @property
    def params(self) -> int:
        return sum(n.params for n in self.nodes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "batch": self.batch,
            "macs": self.macs,
            "params": self.params,
            "nodes": len(self.nodes),
        }


def workload(graph: Any) -> Workload:
    """The `Workload` of a float graph (its first input's first dimension is the batch)."""
    summary = summarize(graph)
    by_name = {node.name: node for node in graph.nodes}
    rows = []
    for row in summary.nodes:
        node = by_name[row.name]
        elements = sum(v.size for v in node.inputs if v is not None and not v.is_constant) + sum(
            v.size for v in node.outputs
        )
        rows.append(NodeWork(row.name, row.op, row.macs, row.params, int(elements)))
    first = graph.inputs[0].shape if graph.inputs else ()
    batch = int(first[0]) if first else 1
    return Workload(graph.name, max(batch, 1), tuple(rows))
