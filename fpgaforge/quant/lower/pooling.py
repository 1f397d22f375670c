"""Integer rules of pooling: max pooling moves codes; average pooling sums, then a
Requant divides by the window size. Where padding is excluded from the divisor, each
window's sum is multiplied by round(2^AVG_RECIP_FRAC / taps) from a table indexed by
its tap count (`node.quant.table`), and the Requant drops the extra fractional bits."""

from __future__ import annotations

import dataclasses

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lower.driver import Lowering, integer_rule, terms_bits, widen
from fpgaforge.quant.lut import LookupTable

AVG_RECIP_FRAC = 14
"""Fractional bits of the per-window reciprocals of average pooling without padding."""


@integer_rule("Pool", "GlobalPool")
def pool(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    kind = node.attrs["kind"]
    out = node.outputs[0]
    if kind == "max":
        (y,) = lo.emit(node.op, [x], x.dtype, node, out_names=[out.name])
        lo.map[id(out)] = y
        return
    if kind != "avg":
        raise QuantizationError(f"Lp pooling at {node.where()} has no integer form.")
    if node.op == "Pool":
        n = int(np.prod(node.attrs["kernel"]))
        if any(node.attrs["pads"] or ()) and not node.attrs["count_include_pad"]:
            _avg_excluding_pads(lo, node, x, n)
            return
    else:
        n = int(np.prod(node.inputs[0].shape[2:]))
    (total,) = lo.emit(
        node.op, [x], widen(x.dtype, terms_bits(n)), node, out_names=[f"{out.name}_sum"]
    )
    lo.map[id(out)] = lo.requant(total, lo.type_of(out), node, out.name, extra=1.0 / n)


def _avg_excluding_pads(lo: Lowering, node: Node, x, n: int) -> None:
    """Window sums times a reciprocal of each window's tap count, then a Requant."""
    out = node.outputs[0]
    recip = [0] + [((1 << AVG_RECIP_FRAC) + k // 2) // k for k in range(1, n + 1)]
    sum_t = widen(x.dtype, terms_bits(n))
    (y,) = lo.emit(node.op, [x], _fraction_type(node, sum_t), node, out_names=[f"{out.name}_avg"])
    producer = y.producer
    assert producer is not None
    table = LookupTable(0, 0, np.asarray(recip, dtype=np.int64))
    producer.quant = dataclasses.replace(producer.quant, table=table)
    lo.map[id(out)] = lo.requant(y, lo.type_of(out), node, out.name)


def _fraction_type(node: Node, t: NumericType) -> NumericType:
    """`t` with AVG_RECIP_FRAC more fractional bits (room for a sum times 2^F / taps)."""
    extra = AVG_RECIP_FRAC + 1
    if isinstance(t, Fixed):
        return Fixed(t.width + extra, t.int_bits + 1, t.signed)
    if t.scale is None or t.scale.axis is not None:
        raise QuantizationError(
            f"Average pooling at {node.where()} excludes padding and needs a per-tensor input scale."
        )
    return Int(
        t.bits + extra, t.signed, Scale.per_tensor(t.scale.values[0] / (1 << AVG_RECIP_FRAC))
    )
