"""Stages of the LayerNorm unit: one LayerNorm node (its Requant is a stage of its own)."""

from __future__ import annotations

import math

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import StageMatch, first_activation, vector_layer
from fpgaforge.units.layernorm.cost import LayerNormUnit

OPS = ("LayerNorm",)


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One LayerNorm over rows of the axes axis..rank−1."""
    if node.op != "LayerNorm":
        return None
    x, y = first_activation(node), node.outputs[0]
    axis = int(node.attrs.get("axis", -1)) % max(x.rank, 1)
    row_len = math.prod(x.shape[axis:]) if x.shape else 1
    rows = max(1, x.size // max(row_len, 1))
    gamma = node.inputs[1] if len(node.inputs) > 1 else None
    stream = LayerNormUnit(
        rows=rows,
        row_len=row_len,
        bits=value_bits(x).bits,
        out_bits=value_bits(y).bits,
        param_bits=value_bits(gamma).bits if gamma is not None else 16,
    )
    return StageMatch((node,), stream, vector_layer(node, 2 * x.size, macs=3 * x.size))
