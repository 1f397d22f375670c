"""Integer rules of layers with constant parameters: Conv, DepthwiseConv and Dense
(weights, bias) and Affine (per-channel scale, bias)."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import Trait, ops_with
from fpgaforge.ir.value import Value
from fpgaforge.numerics import fixed
from fpgaforge.numerics.convert import lsb, quantize_real
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import accum_type, mul_type
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lower.driver import (
    Lowering,
    as_fixed,
    integer_rule,
    terms_bits,
)


@integer_rule(*ops_with(Trait.WEIGHTED))
def weighted(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    w, b = node.inputs[1], node.input(2)
    assert w is not None and w.const is not None
    tw = lo.plan.weights[node.name]
    w_codes = quantize_real(np.asarray(w.const, np.float64), tw)
    n_terms = int(np.prod(w.shape[1:])) + (1 if b is not None else 0)
    out_axis = node.outputs[0].rank - 1 if node.op == "Dense" else 1
    acc_t = accumulator(lo, node, x.dtype, tw, n_terms, out_axis)
    inputs = [x, lo.const(f"{node.name}_weight", w_codes, tw)]
    if b is not None:
        b_codes, acc_t, bias_t = bias(lo, node, b, acc_t)
        inputs.append(lo.const(f"{node.name}_bias", b_codes, bias_t))
    (acc,) = lo.emit(node.op, inputs, acc_t, node, out_names=[f"{node.outputs[0].name}_acc"])
    lo.finish(node, acc, out_axis)


@integer_rule("Affine")
def affine(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    scale, b = node.inputs[1], node.input(2)
    assert scale is not None and scale.const is not None
    axis = node.attrs["axis"] % node.outputs[0].rank
    ts = lo.plan.weights[node.name]
    s_codes = quantize_real(np.asarray(scale.const, np.float64), ts)
    acc_t = accumulator(lo, node, x.dtype, ts, 2, axis)
    inputs = [x, lo.const(f"{node.name}_scale", s_codes, ts)]
    if b is not None:
        b_codes, acc_t, bias_t = bias(lo, node, b, acc_t)
        inputs.append(lo.const(f"{node.name}_bias", b_codes, bias_t))
    (acc,) = lo.emit("Affine", inputs, acc_t, node, out_names=[f"{node.outputs[0].name}_acc"])
    lo.finish(node, acc, axis)


def accumulator(
    lo: Lowering, node: Node, tx: NumericType, tw: NumericType, n_terms: int, axis: int
) -> NumericType:
    """The planned accumulator of `node`, or one wide enough for `n_terms` products."""
    if node.name in lo.plan.accums:
        return lo.plan.accums[node.name]
    if isinstance(tx, Fixed) or isinstance(tw, Fixed):
        return accum_type(mul_type(as_fixed(tx), as_fixed(tw)), n_terms)
    scales = lsb(tx)[0] * lsb(tw)
    bits = tx.bits + tw.bits + terms_bits(n_terms)
    scale = (
        Scale.per_channel(scales, axis=axis)
        if len(scales) > 1
        else Scale.per_tensor(float(scales[0]))
    )
    return Int(bits, True, scale)


def bias(
    lo: Lowering, node: Node, b: Value, acc_t: NumericType
) -> tuple[np.ndarray, NumericType, NumericType]:
    """The bias codes, the accumulator type with room for them, and the bias's type."""
    real = np.asarray(b.const, np.float64)
    if isinstance(acc_t, Fixed):
        tb = lo.plan.biases.get(node.name, acc_t)
        b_codes = quantize_real(real, tb) if isinstance(tb, Fixed) else quantize_real(real, acc_t)
        if isinstance(tb, Fixed) and tb != acc_t:
            b_codes = fixed.cast(b_codes, tb, acc_t.with_modes(Rounding.RND, Overflow.SAT))
        return b_codes, acc_t, acc_t
    scales = lsb(acc_t)
    vector_scale = (
        Scale.per_channel(np.broadcast_to(scales, real.shape), axis=0)
        if real.ndim
        else Scale.per_tensor(float(scales[0]))
    )
    wide = Int(32, True, vector_scale)
    b_codes = quantize_real(real, wide)
    needed = int(np.abs(b_codes).max()).bit_length() + 1 if b_codes.size else 1
    bits = max(acc_t.bits, needed) + 1
    return b_codes, Int(bits, True, acc_t.scale), Int(bits, True, vector_scale)
