"""The graph edit every canonicalization rule ends with: matched nodes become one node."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value


def replace_value(graph: Graph, old: Value, new: Value) -> None:
    """Route users of `old` to `new`; `new` takes `old`'s name (the name the user knows)."""
    name = old.name
    graph.replace_uses(old, new)
    graph.rename_value(old, f"{name}__replaced")
    graph.rename_value(new, name)


def replace_nodes(
    graph: Graph,
    old: list[Node],
    op: str,
    inputs: list[Value | None],
    template: Node,
    attrs: dict | None = None,
    result: Value | None = None,
) -> Node:
    """Replace the matched nodes `old` by one `op` node named like `template`.

    `result` is the value the new node stands for (default: `old[0]`'s output).
    The new node takes `template`'s attributes unless `attrs` is given; the
    nodes left dead are removed and the graph is sorted again.
    """
    fused = graph.add_node(
        op,
        inputs,
        name=f"{template.name}__fused",
        source=template.source,
        attrs=template.attrs if attrs is None else attrs,
    )
    replace_value(graph, result if result is not None else old[0].outputs[0], fused.outputs[0])
    graph.remove_dead_nodes()
    graph.rename_node(fused, template.name)
    graph.toposort()
    return fused
