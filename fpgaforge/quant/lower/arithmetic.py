"""Integer rules of arithmetic on activations: Add, Sub, Mul and MatMul."""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.numerics.convert import quantize_real
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import add_type
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lower.driver import (
    Lowering,
    integer_rule,
    product_type,
    terms_bits,
    widen,
)
from fpgaforge.quant.plan import fixed_int_bits

INT_ADD_GUARD_BITS = 4
"""Extra fractional bits operands keep when two scaled-int tensors are added."""


@integer_rule("Add", "Sub")
def add_sub(lo: Lowering, node: Node) -> None:
    like = next(lo.get(v).dtype for v in node.inputs if v is not None and v.const is None)
    a, b = operand(lo, node, 0, like), operand(lo, node, 1, like)
    if isinstance(a.dtype, Fixed) and isinstance(b.dtype, Fixed):
        sum_t = add_type(a.dtype, b.dtype)
        a = _align(lo, a, sum_t, node, "a")
        b = _align(lo, b, sum_t, node, "b")
    else:
        out_t = lo.type_of(lo.final_output(node))
        if not isinstance(out_t, Int) or out_t.scale is None or out_t.scale.axis is not None:
            raise QuantizationError(
                f"Adding scaled integers at {node.where()} needs a per-tensor output scale."
            )
        inner = Int(
            max(a.dtype.width, b.dtype.width) + INT_ADD_GUARD_BITS + 2,
            True,
            Scale.per_tensor(out_t.scale.values[0] / (1 << INT_ADD_GUARD_BITS)),
        )
        a = _to_inner(lo, node, 0, a, inner, "a")
        b = _to_inner(lo, node, 1, b, inner, "b")
        sum_t = Int(inner.bits + 1, True, inner.scale)
    (acc,) = lo.emit(node.op, [a, b], sum_t, node, out_names=[f"{node.outputs[0].name}_acc"])
    lo.finish(node, acc, 1)


def _to_inner(lo: Lowering, node: Node, index: int, value: Value, inner: Int, tag: str) -> Value:
    """An operand at the inner type: a constant is quantized to it directly (no Requant
    node), an activation is requantized."""
    source = node.inputs[index]
    if source is not None and source.const is not None:
        data = np.asarray(source.const, np.float64)
        return lo.const(f"{node.name}_const{index}_{tag}", quantize_real(data, inner), inner)
    return lo.requant(value, inner, node, f"{node.outputs[0].name}_{tag}")


def _align(lo: Lowering, value: Value, sum_t: Fixed, node: Node, tag: str) -> Value:
    t = value.dtype
    grow = sum_t.frac_bits - t.frac_bits
    if grow == 0:
        return value
    if value.is_constant:
        value.const = np.asarray(value.const, np.int64) << grow  # exact re-expression of a constant
        value.dtype = Fixed(t.width + grow, t.int_bits, t.signed)
        return value
    return lo.requant(
        value,
        Fixed(t.width + grow, t.int_bits, t.signed),
        node,
        f"{node.outputs[0].name}_{tag}",
    )


@integer_rule("Mul")
def mul(lo: Lowering, node: Node) -> None:
    like = next(lo.get(v).dtype for v in node.inputs if v is not None and v.const is None)
    a, b = operand(lo, node, 0, like), operand(lo, node, 1, like)
    prod_t = product_type(a.dtype, b.dtype)
    (acc,) = lo.emit("Mul", [a, b], prod_t, node, out_names=[f"{node.outputs[0].name}_acc"])
    lo.finish(node, acc, 1)


@integer_rule("MatMul")
def matmul(lo: Lowering, node: Node) -> None:
    a, b = lo.get(node.inputs[0]), lo.get(node.inputs[1])
    k = node.inputs[0].shape[-1]
    prod_t = widen(product_type(a.dtype, b.dtype), terms_bits(k))
    (acc,) = lo.emit("MatMul", [a, b], prod_t, node, out_names=[f"{node.outputs[0].name}_acc"])
    lo.finish(node, acc, node.outputs[0].rank - 1)


def operand(lo: Lowering, node: Node, index: int, like: NumericType) -> Value:
    """Input `index` of `node`: its integer value, or a constant quantized to the planned
    weight type (else to a type like `like` that fits it)."""
    value = node.inputs[index]
    assert value is not None
    if value.const is None:
        return lo.get(value)
    t = lo.plan.weights.get(node.name)
    if t is None:
        t = _const_type(like, np.asarray(value.const, np.float64))
    return lo.const(
        f"{node.name}_const{index}", quantize_real(np.asarray(value.const, np.float64), t), t
    )


def _const_type(like: NumericType, data: np.ndarray) -> NumericType:
    absmax = float(np.abs(data).max()) if data.size else 0.0
    if isinstance(like, Fixed):
        return Fixed(like.width, fixed_int_bits(absmax), True, Rounding.RND, Overflow.SAT)
    qmax = (1 << (like.bits - 1)) - 1
    return Int(like.bits, True, Scale.per_tensor(absmax / qmax if absmax > 0 else 1.0))
