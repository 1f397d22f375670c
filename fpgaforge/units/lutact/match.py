"""Stages of the table unit: Div, Pow, and activations other than ReLU/clip."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import (
    CHEAP_ACTIVATIONS,
    StageMatch,
    channels_of,
    first_activation,
    vector_layer,
)
from fpgaforge.units.lutact.cost import LutActivation

OPS = ("Div", "Pow", "Activation")


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One table-lookup node."""
    if node.op in ("Div", "Pow"):
        func = node.op.lower()
    elif node.op == "Activation" and node.attrs.get("func") not in CHEAP_ACTIVATIONS:
        func = node.attrs.get("func")
    else:
        return None
    y = node.outputs[0]
    stream = LutActivation(
        func=func,
        elements=y.size,
        channels=channels_of(y),
        in_bits=value_bits(first_activation(node)).bits,
        out_bits=value_bits(y).bits,
    )
    return StageMatch((node,), stream, vector_layer(node, y.size))
