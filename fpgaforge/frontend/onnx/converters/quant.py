"""Quantization ONNX ops kept as annotations: QuantizeLinear/DequantizeLinear (QDQ) and QONNX."""

from __future__ import annotations

import numpy as np
from onnx import helper

from fpgaforge.frontend.onnx.common import normalize_axis
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.frontend.onnx.registry import converter
from fpgaforge.ir.value import Value

_INT_TYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32")


def _qdq_axis(ctx: ImportContext, x: Value, scale: Value) -> int:
    if scale.rank == 0 or scale.size == 1 and scale.rank <= 1:
        return 1 if x.rank > 1 else 0
    return normalize_axis(ctx, int(ctx.attr("axis", 1)), x.rank)


@converter("QuantizeLinear")
def quantize_linear(ctx: ImportContext) -> list[Value | None]:
    x, scale, zero_point = ctx.require_input(0, "x"), ctx.require_input(1, "y_scale"), ctx.input(2)
    if zero_point is not None:
        dtype = np.dtype(zero_point.dtype).name
    else:
        output_dtype = int(ctx.attr("output_dtype", 0))
        dtype = "uint8" if not output_dtype else np.dtype(_np_dtype(output_dtype)).name
    if dtype not in _INT_TYPES:
        raise ctx.unsupported(f"quantizing to {dtype} is not supported (integer types are)")
    attrs = {
        "axis": _qdq_axis(ctx, x, scale),
        "block_size": int(ctx.attr("block_size", 0)),
        "saturate": bool(ctx.attr("saturate", 1)),
        "dtype": dtype,
    }
    return [ctx.emit1("QuantizeLinear", [x, scale, zero_point], attrs)]


@converter("DequantizeLinear")
def dequantize_linear(ctx: ImportContext) -> list[Value | None]:
    x, scale, zero_point = ctx.require_input(0, "x"), ctx.require_input(1, "x_scale"), ctx.input(2)
    if isinstance(x.dtype, np.dtype) and x.dtype.name not in _INT_TYPES:
        raise ctx.unsupported(f"dequantizing {x.dtype.name} is not supported (integer types are)")
    attrs = {"axis": _qdq_axis(ctx, x, scale), "block_size": int(ctx.attr("block_size", 0))}
    return [ctx.emit1("DequantizeLinear", [x, scale, zero_point], attrs)]


def _np_dtype(onnx_type: int) -> np.dtype:
    return helper.tensor_dtype_to_np_dtype(onnx_type)


@converter("Quant", domain="qonnx")
def qonnx_quant(ctx: ImportContext) -> list[Value | None]:
    inputs = [
        ctx.require_input(i, role) for i, role in enumerate(("x", "scale", "zeropt", "bitwidth"))
    ]
    attrs = {
        "signed": int(ctx.attr("signed", 1)),
        "narrow": int(ctx.attr("narrow", 0)),
        "rounding_mode": str(ctx.attr("rounding_mode", "ROUND")).upper(),
    }
    return [ctx.emit1("Quant", inputs, attrs)]


@converter("BipolarQuant", domain="qonnx")
def qonnx_bipolar(ctx: ImportContext) -> list[Value | None]:
    return [ctx.emit1("BipolarQuant", [ctx.require_input(0, "x"), ctx.require_input(1, "scale")])]


@converter("Trunc", domain="qonnx")
def qonnx_trunc(ctx: ImportContext) -> list[Value | None]:
    roles = ("x", "scale", "zeropt", "in_bitwidth", "out_bitwidth")
    inputs = [ctx.require_input(i, role) for i, role in enumerate(roles)]
    attrs = {
        "rounding_mode": str(ctx.attr("rounding_mode", "FLOOR")).upper(),
        "signed": int(ctx.attr("signed", 1)),
        "narrow": int(ctx.attr("narrow", 0)),
    }
    return [ctx.emit1("Trunc", inputs, attrs)]
