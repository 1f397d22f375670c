"""Stages of the elementwise unit: binary ops of one or two streams, Affine, PRelu, and the
comparator activations (ReLU, clip)."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.fusion import (
    CHEAP_ACTIVATIONS,
    StageMatch,
    activations,
    channels_of,
    first_activation,
    single_user,
    vector_layer,
)

BINARY = {"Add": "add", "Sub": "sub", "Max": "max", "Min": "min", "Mul": "mul"}
"""Binary ops by the unit's operation name."""

OPS = (*BINARY, "Affine", "PRelu", "Activation")


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One elementwise node (an Activation only when a comparator does it)."""
    y = node.outputs[0]
    n = y.size
    bits = value_bits(first_activation(node)).bits
    if node.op == "Activation":
        func = node.attrs.get("func")
        if func not in CHEAP_ACTIVATIONS:
            return None
        stream = Eltwise(op=func, elements=n, channels=channels_of(y), bits=bits)
        return StageMatch((node,), stream, vector_layer(node, n))
    if node.op not in BINARY and node.op not in ("Affine", "PRelu"):
        return None
    consts = [v for v in node.inputs if v is not None and v.is_constant]
    joined = relu_after_join(node, graph)
    if node.op == "Affine":
        kind = "affine"
    elif node.op in ("Mul", "PRelu"):
        kind = "mul"
    else:
        kind = BINARY.get(node.op, "add")
    param_bits = value_bits(consts[0]).bits if consts and consts[0].size > 1 else 0
    stream = Eltwise(
        op=kind,
        elements=n,
        channels=channels_of(y),
        bits=max(bits, value_bits(y).bits),
        inputs=max(1, len(activations(node))),
        param_bits=param_bits,
        relu=joined is not None,
    )
    nodes = (node,) if joined is None else (node, joined)
    return StageMatch(
        nodes, stream, vector_layer(node, n, macs=n if kind in ("mul", "affine") else 0)
    )


def relu_after_join(node: Node, graph: Graph) -> Node | None:
    """The ReLU that a residual join (an Add of two streams) fuses: its output's only reader."""
    if node.op != "Add" or len(activations(node)) != 2:
        return None
    user = single_user(node.outputs[0], graph)
    if user is None or user.op != "Activation" or user.attrs.get("func") != "relu":
        return None
    return user
