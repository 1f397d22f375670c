"""Integer rules of the table-based row ops: Softmax and LRN (semantics in
`fpgaforge.ir.ops.table_int`).

Softmax: an exp table over code distances from the row maximum, an exact sum and one
integer division per output into `SOFTMAX_FRAC` fractional bits, then a Requant to the
planned output type. LRN: an exact sum of squares over the channel window indexes a
table of (bias + alpha/size · q)^−beta in `LRN_FACTOR_BITS` unsigned bits; the product
x · factor is requantized to the planned output type.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.numerics.convert import lsb
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lower.driver import Lowering, integer_rule
from fpgaforge.quant.lut import MAX_INDEX_BITS, LookupTable
from fpgaforge.quant.plan import fixed_int_bits

EXP_FRAC = 16
"""Fractional bits of the softmax exp table (its entry at distance 0 is 2^EXP_FRAC)."""
SOFTMAX_FRAC = 24
"""Fractional bits of the softmax quotient (an unsigned SOFTMAX_FRAC + 1-bit value)."""
LRN_FACTOR_BITS = 16
"""Width of the LRN factor table's unsigned entries."""
MAX_INDEX_WIDTH = 62
"""Indices (code distances, sums of squares) must fit in this many bits (int64 headroom)."""


def _step(node: Node, t: NumericType) -> float:
    if isinstance(t, Int) and t.scale is not None and t.scale.axis is not None:
        raise QuantizationError(
            f"The input of {node.where()} has per-channel scales, but its table needs one scale; "
            f"quantize that tensor per tensor."
        )
    return float(lsb(t)[0])


def _bucket_shift(node: Node, top: int, what: str) -> int:
    """The right shift that maps indices 0..top onto at most 2**MAX_INDEX_BITS entries."""
    if top.bit_length() > MAX_INDEX_WIDTH:
        raise QuantizationError(
            f"The {what} at {node.where()} needs {top.bit_length()} bits, beyond the "
            f"{MAX_INDEX_WIDTH}-bit range its table is declared for; quantize its input to "
            f"fewer bits."
        )
    return max(0, top.bit_length() - MAX_INDEX_BITS)


def exp_table(node: Node, t: NumericType) -> LookupTable:
    """round(2^EXP_FRAC · exp(−d · lsb)) at the middle of each bucket of code distances d.

    The table covers the distances whose entry is not yet 0 (d · lsb ≤ (EXP_FRAC + 1) · ln 2),
    or all of them when the input's range is narrower; a last entry 0 catches the rest.
    """
    step = _step(node, t)
    span = int(t.max_code) - int(t.min_code)
    vanish = math.ceil((EXP_FRAC + 1) * math.log(2) / step)
    top = min(span, vanish)
    shift = _bucket_shift(node, top, "softmax input's code distance")
    d = np.arange((top >> shift) + 1, dtype=np.float64) * (1 << shift) + ((1 << shift) >> 1)
    values = np.round(np.exp(-d * step) * (1 << EXP_FRAC)).astype(np.int64)
    if top < span:
        values = np.append(values, 0)
    return LookupTable(0, shift, values)


def lrn_table(node: Node, t: NumericType) -> tuple[LookupTable, Fixed]:
    """The factor (bias + alpha/size · q · lsb²)^−beta per bucket of q = Σ x² (its middle)."""
    a = node.attrs
    size = int(a["size"])
    step = _step(node, t)
    biggest = max(abs(int(t.min_code)), abs(int(t.max_code)))
    top = size * biggest * biggest
    shift = _bucket_shift(node, top, "LRN input's sum of squares")
    q = np.arange((top >> shift) + 1, dtype=np.float64) * (1 << shift) + ((1 << shift) >> 1)
    with np.errstate(all="ignore"):
        factor = (a["bias"] + a["alpha"] / size * q * step * step) ** -a["beta"]
    if not np.all(np.isfinite(factor)):
        raise QuantizationError(
            f"The LRN at {node.where()} has no finite factor over its input range "
            f"(bias {a['bias']}); it needs bias > 0."
        )
    int_bits = fixed_int_bits(float(factor.max()), signed=False)
    factor_t = Fixed(LRN_FACTOR_BITS, int_bits, False)
    scaled = np.round(factor * 2.0**factor_t.frac_bits)
    values = np.clip(scaled, 0, factor_t.max_code).astype(np.int64)
    return LookupTable(0, shift, values), factor_t


def scaled_product_type(node: Node, t: NumericType, factor: Fixed) -> NumericType:
    """The exact type of codes of `t` times codes of the unsigned `factor`."""
    if isinstance(t, Fixed):
        return Fixed(t.width + factor.width, t.int_bits + factor.int_bits, t.signed)
    step = _step(node, t)
    return Int(t.bits + factor.width, t.signed, Scale.per_tensor(step * 2.0**-factor.frac_bits))


@integer_rule("Softmax")
def softmax(lo: Lowering, node: Node) -> None:
    if node.attrs["log"]:
        raise QuantizationError(
            f"{node.where()[0].upper()}{node.where()[1:]} is a LogSoftmax, which has no integer "
            f"form; end the model at the logits (or at a Softmax) to quantize it."
        )
    x = lo.get(node.inputs[0])
    out = node.outputs[0]
    quotient_t = Fixed(SOFTMAX_FRAC + 1, 1, False)
    (y,) = lo.emit("Softmax", [x], quotient_t, node, out_names=[f"{out.name}_quotient"])
    producer = y.producer
    assert producer is not None
    producer.quant = dataclasses.replace(producer.quant, table=exp_table(node, x.dtype))
    lo.map[id(out)] = lo.requant(y, lo.type_of(out), node, out.name)


@integer_rule("LRN")
def lrn(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    out = node.outputs[0]
    table, factor_t = lrn_table(node, x.dtype)
    (y,) = lo.emit(
        "LRN",
        [x],
        scaled_product_type(node, x.dtype, factor_t),
        node,
        out_names=[f"{out.name}_acc"],
    )
    producer = y.producer
    assert producer is not None
    producer.quant = dataclasses.replace(producer.quant, table=table)
    lo.map[id(out)] = lo.requant(y, lo.type_of(out), node, out.name)
