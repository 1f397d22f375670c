"""Operand widths of a node for hardware estimation: the one adapter over numeric types.

Quantized graphs give every Value a numeric type: `Fixed` (attributes `width`,
`int_bits`, `signed`) or `Int` (`bits`, `signed`, `scale`). Float values carry
a numpy dtype. `type_bits` reads any of these through attributes only, so
this module works with stand-in objects in tests and the real types alike.

Float graphs: hardware estimation needs integer arithmetic. The documented
default (`FLOAT_AS_FIXED_BITS`) treats float tensors as 16-bit signed fixed
point, the common HLS default (`ap_fixed<16,6>`), and marks the precision as
`assumed`; the CLI quantizes models first, so this only matters for API
users who schedule a float graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value

FLOAT_AS_FIXED_BITS = 16
"""Width assumed for float tensors when a float graph is scheduled (hls4ml's ap_fixed<16,6>)."""


@dataclass(frozen=True)
class TypeBits:
    """Width of one tensor's elements, signedness, and whether it was assumed (float)."""

    bits: int
    signed: bool = True
    assumed: bool = False


def type_bits(dtype: Any) -> TypeBits:
    """Element width of a numeric type (`width` for Fixed, `bits` for Int) or a numpy dtype.

    Float numpy dtypes give `FLOAT_AS_FIXED_BITS` with `assumed=True`.
    """
    width = getattr(dtype, "width", None)
    if width is None:
        width = getattr(dtype, "bits", None)
    if width is not None:
        return TypeBits(int(width), bool(getattr(dtype, "signed", True)))
    try:
        np_dtype = np.dtype(dtype)
    except TypeError:
        return TypeBits(FLOAT_AS_FIXED_BITS, True, True)
    if np_dtype.kind == "f":
        return TypeBits(FLOAT_AS_FIXED_BITS, True, True)
    if np_dtype.kind == "b":
        return TypeBits(1, False)
    return TypeBits(np_dtype.itemsize * 8, np_dtype.kind == "i")


def value_bits(value: Value | None) -> TypeBits:
    """`type_bits` of a value (activation or constant); a constant integer array keeps its dtype."""
    if value is None:
        return TypeBits(FLOAT_AS_FIXED_BITS, True, True)
    return type_bits(value.dtype)


@dataclass(frozen=True)
class NodePrecision:
    """Operand widths of one node as the hardware sees them.

    weight_bits: width of the constant operand (0 when the node has none).
    act_bits: width of the (first) activation input.
    out_bits: width of the output.
    acc_bits: accumulator width (wide enough for the dot product without overflow).
    shift_add: the node is multiplier-free (K-hot weights: shifts and adds, no DSP).
    k_hot: number of non-zero power-of-two terms per weight when `shift_add`.
    assumed: some width came from the float default rather than a numeric type.
    """

    weight_bits: int
    act_bits: int
    out_bits: int
    acc_bits: int
    weight_signed: bool = True
    act_signed: bool = True
    out_signed: bool = True
    shift_add: bool = False
    k_hot: int = 2
    assumed: bool = False


def reduction_length(node: Node) -> int:
    """Terms summed per output (Dense/MatMul: K; Conv: C/g·k…); 1 for other ops."""
    if node.op in ("Conv", "DepthwiseConv"):
        w = node.inputs[1]
        return int(np.prod(w.shape[1:])) if w is not None else 1
    if node.op in ("Dense", "MatMul"):
        a = node.inputs[0]
        return int(a.shape[-1]) if a is not None and a.shape else 1
    return 1


def node_precision(node: Node) -> NodePrecision:
    """Operand widths of `node`, read from its values' types and its weight format
    (`node.quant.weights`: K-hot weights are shift-adds).

    The accumulator is the output width when it is already wider than the product, else
    weight + activation bits + ceil(log2(terms)) (no overflow).
    """
    activations = [v for v in node.inputs if v is not None and not v.is_constant]
    constants = [v for v in node.inputs if v is not None and v.is_constant and v.rank > 0]
    act = value_bits(activations[0] if activations else (node.inputs[0] if node.inputs else None))
    weight_value = node.input(1) if node.op in ("Conv", "DepthwiseConv", "Dense") else None
    if weight_value is None and constants:
        weight_value = constants[0]
    if node.op == "MatMul" and len(activations) >= 2:
        weight_value = activations[1]
    weight = value_bits(weight_value) if weight_value is not None else TypeBits(0, True)
    out = value_bits(node.outputs[0] if node.outputs else None)
    weights = node.quant.weights
    terms = reduction_length(node)
    product = weight.bits + act.bits if weight.bits else act.bits
    natural = product + (math.ceil(math.log2(terms)) if terms > 1 else 0)
    acc = out.bits if (not out.assumed and out.bits >= product) else natural
    return NodePrecision(
        weight_bits=weight.bits,
        act_bits=act.bits,
        out_bits=out.bits,
        acc_bits=int(acc),
        weight_signed=weight.signed,
        act_signed=act.signed,
        out_signed=out.signed,
        shift_add=weights.shift_add,
        k_hot=int(weights.k or 2),
        assumed=act.assumed or weight.assumed or out.assumed,
    )
