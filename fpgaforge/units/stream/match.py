"""Stages of the stream unit: free reshapes, buffered reorders and routing."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import StageMatch, vector_layer
from fpgaforge.units.stream.cost import BUFFERED_OPS, FREE_OPS, StreamOp

ROUTING_OPS = ("Concat", "Split", "Slice", "Pad")
"""Ops that route elements between streams (costed as one 'Route' unit)."""

OPS = (*FREE_OPS, *BUFFERED_OPS, *ROUTING_OPS)


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One data-movement node."""
    op = node.op
    if op not in OPS:
        return None
    y = node.outputs[0]
    kind = op if op in FREE_OPS + BUFFERED_OPS else "Route"
    stream = StreamOp(op=kind, elements=y.size, bits=value_bits(y).bits)
    return StageMatch((node,), stream, vector_layer(node, 0 if op in FREE_OPS else y.size))
