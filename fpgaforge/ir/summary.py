"""Per-node summary of a graph: output shapes, parameters and MACs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from fpgaforge.ir.ops import registry
from fpgaforge.ir.value import dtype_name

if TYPE_CHECKING:
    from fpgaforge.ir.graph import Graph


@dataclass(frozen=True)
class NodeSummary:
    """One row of the inspect table."""

    name: str
    op: str
    detail: str
    inputs: tuple[str, ...]
    output_shapes: tuple[tuple[int, ...], ...]
    dtype: str
    params: int
    macs: int
    source: str


@dataclass(frozen=True)
class GraphSummary:
    """The inspect table of a graph and its totals."""

    name: str
    inputs: tuple[tuple[str, tuple[int, ...], str], ...]
    outputs: tuple[tuple[str, tuple[int, ...], str], ...]
    nodes: tuple[NodeSummary, ...]

    @property
    def total_params(self) -> int:
        return sum(n.params for n in self.nodes)

    @property
    def total_macs(self) -> int:
        return sum(n.macs for n in self.nodes)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "inputs": [{"name": n, "shape": list(s), "dtype": d} for n, s, d in self.inputs],
            "outputs": [{"name": n, "shape": list(s), "dtype": d} for n, s, d in self.outputs],
            "nodes": [
                {
                    **asdict(n),
                    "inputs": list(n.inputs),
                    "output_shapes": [list(s) for s in n.output_shapes],
                }
                for n in self.nodes
            ],
            "totals": {
                "nodes": len(self.nodes),
                "params": self.total_params,
                "macs": self.total_macs,
            },
        }


_DETAIL_KEYS = ("func", "kind", "kernel", "strides", "group", "axis", "perm", "mode")


def _detail(attrs: dict) -> str:
    parts = []
    for key in _DETAIL_KEYS:
        if (
            key in attrs
            and attrs[key] not in (None, (), 1)
            or key in ("func", "kind")
            and key in attrs
        ):
            value = attrs[key]
            if isinstance(value, tuple):
                value = "x".join(str(v) for v in value)
            parts.append(f"{key}={value}")
    return " ".join(parts)


def summarize(graph: Graph) -> GraphSummary:
    """Rows for every node: op, output shapes, parameter count (constant inputs) and MACs."""
    counted: set[int] = set()
    rows = []
    for node in graph.nodes:
        params = 0
        for value in node.inputs:
            if (
                value is not None
                and value.is_constant
                and id(value) not in counted
                and value.const is not None
                and value.const.dtype.kind in "fiu"
                and value.rank > 0
            ):
                counted.add(id(value))
                params += value.size
        rows.append(
            NodeSummary(
                name=node.name,
                op=node.op,
                detail=_detail(node.attrs),
                inputs=tuple(v.name for v in node.inputs if v is not None and not v.is_constant),
                output_shapes=tuple(v.shape for v in node.outputs),
                dtype=dtype_name(node.outputs[0].dtype) if node.outputs else "",
                params=params,
                macs=int(registry.get(node.op).macs(node)),
                source=f"{node.source.op_type} {node.source.name}" if node.source else "",
            )
        )
    return GraphSummary(
        name=graph.name,
        inputs=tuple((v.name, v.shape, dtype_name(v.dtype)) for v in graph.inputs),
        outputs=tuple((v.name, v.shape, dtype_name(v.dtype)) for v in graph.outputs),
        nodes=tuple(rows),
    )
