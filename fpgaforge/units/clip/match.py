"""Stages of the clip unit: a quantized clip Activation (its bounds known as codes)."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.clip.cost import Clip
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import StageMatch, channels_of, vector_layer

OPS = ("Activation",)


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A clip whose bounds the quantizer turned into codes (a float clip is left to the
    element-wise unit's estimate)."""
    if node.op != "Activation" or node.attrs.get("func") != "clip":
        return None
    if node.quant.clip_codes is None:
        return None
    y = node.outputs[0]
    bits = value_bits(y)
    stream = Clip(elements=y.size, channels=channels_of(y), bits=bits.bits, signed=bits.signed)
    return StageMatch((node,), stream, vector_layer(node, y.size))
