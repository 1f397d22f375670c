"""Stages of the activation MatMul: a MatMul whose two operands are activations."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.act_matmul.cost import ActMatMul
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import StageMatch, activations
from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer

OPS = ("MatMul",)


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A MatMul of two activations (its Requant is a stage of its own)."""
    if node.op != "MatMul" or len(activations(node)) != 2:
        return None
    a, b = node.inputs[0], node.inputs[1]
    y = node.outputs[0]
    m = int(a.shape[-2]) if a.rank >= 2 else 1
    k = int(a.shape[-1])
    n = int(b.shape[-1]) if b.rank >= 2 else 1
    mats = max(1, y.size // max(m * n, 1))
    bits_a, bits_b, bits_y = value_bits(a).bits, value_bits(b).bits, value_bits(y).bits
    stream = ActMatMul(
        mats=mats,
        m=m,
        k=k,
        n=n,
        a_elements=a.size,
        b_elements=b.size,
        a_bits=bits_a,
        b_bits=bits_b,
        acc_bits=bits_y,
    )
    tiled = TiledGemmLayer(
        m=m,
        k=k,
        n=n,
        groups=mats,
        weight_bits=bits_b,
        act_bits=bits_a,
        acc_bits=bits_y,
        out_bits=bits_y,
        in_elements=a.size + b.size,
        out_elements=y.size,
    )
    return StageMatch((node,), stream, tiled)
