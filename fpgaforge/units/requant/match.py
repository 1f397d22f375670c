"""Stages of the stand-alone requantizer: Requant and the quantizer ops not fused elsewhere."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import (
    StageMatch,
    channels_of,
    first_activation,
    requant_params,
    vector_layer,
)
from fpgaforge.units.requant.cost import Requant

OPS = (
    "Requant",
    "Quantize",
    "QuantizeLinear",
    "DequantizeLinear",
    "Quant",
    "Trunc",
    "BipolarQuant",
)


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One quantizer node."""
    if node.op not in OPS:
        return None
    y = node.outputs[0]
    mult_bits, _, per_channel = requant_params(node)
    stream = Requant(
        elements=y.size,
        channels=channels_of(y),
        in_bits=value_bits(first_activation(node)).bits,
        out_bits=value_bits(y).bits,
        mult_bits=mult_bits,
        per_channel=per_channel,
    )
    return StageMatch((node,), stream, vector_layer(node, y.size))
