"""Stages of the row unit: Softmax, LayerNorm, Reduce and LRN (passes over a row)."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import StageMatch, first_activation, vector_layer
from fpgaforge.units.softmax_norm.cost import SoftmaxNorm

KINDS = {"Softmax": "softmax", "LayerNorm": "layernorm", "Reduce": "reduce", "LRN": "lrn"}
"""The unit's operation by op."""
PASSES = {"softmax": 3, "layernorm": 2, "reduce": 1, "lrn": 2}
"""Passes over the data per operation (the tiled vector unit's work)."""

OPS = tuple(KINDS)


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One row-wise normalization or reduction node."""
    op = node.op
    if op not in KINDS:
        return None
    x, y = first_activation(node), node.outputs[0]
    kind = KINDS[op]
    axis = int(node.attrs.get("axis", -1) or -1) if op in ("Softmax", "LayerNorm") else -1
    row_len = int(x.shape[axis]) if x.shape else 1
    if op == "LRN":
        row_len = int(x.shape[1])
    if op == "Reduce":
        row_len = max(1, x.size // max(y.size, 1))
    rows = max(1, x.size // max(row_len, 1))
    bits = value_bits(x)
    stream = SoftmaxNorm(
        op=kind, rows=rows, row_len=row_len, bits=bits.bits, signed=bits.signed, **_table(node)
    )
    return StageMatch((node,), stream, vector_layer(node, PASSES[kind] * x.size))


def _table(node: Node) -> dict:
    """The quantizer's softmax exp table as template fields (none before quantization)."""
    table = node.quant.table
    if node.op != "Softmax" or table is None:
        return {}
    values = [int(v) for v in table.values]
    out = node.outputs[0].dtype
    return {
        "table_len": len(values),
        "table_shift": int(table.shift),
        "exp_max": max(values),
        "exp_first": values[0],
        "out_frac": int(getattr(out, "frac_bits", 0)),
    }
