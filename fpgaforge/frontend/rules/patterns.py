"""Matching helpers shared by the canonicalization rules."""

from __future__ import annotations

import math

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value


def other_operand(node: Node, value: Value) -> Value | None:
    """The operand of binary `node` that is not `value` (None when `value` is neither)."""
    a, b = node.inputs[0], node.inputs[1]
    if a is value:
        return b
    if b is value:
        return a
    return None


def scalar(value: Value | None) -> float | None:
    """The value of a one-element constant, or None when `value` is not one."""
    data = None if value is None else value.const
    if data is None or data.size != 1:
        return None
    return float(data.reshape(-1)[0])


def is_scalar(value: Value | None, expected: float, rel_tol: float = 1e-6) -> bool:
    """Whether `value` is a one-element constant close to `expected`."""
    found = scalar(value)
    return found is not None and math.isclose(found, expected, rel_tol=rel_tol)


def producer(value: Value | None, op: str, func: str | None = None) -> Node | None:
    """The node producing `value` if it is an `op` (with attribute `func`, when given)."""
    if value is None or value.producer is None or value.producer.op != op:
        return None
    if func is not None and value.producer.attrs.get("func") != func:
        return None
    return value.producer


def intermediates_private(graph: Graph, nodes: list[Node]) -> str | None:
    """A reason why a matched chain cannot be replaced: one of its intermediates (every
    node but the first, which is the chain's end) escapes the chain."""
    inner = {id(n) for n in nodes}
    for part in nodes[1:]:
        if part.outputs[0] in graph.outputs:
            return "an intermediate is a graph output"
        for user in part.outputs[0].users:
            if id(user) not in inner:
                return f"the intermediate {part.outputs[0].name!r} has other users"
    return None
