"""Element-wise ONNX ops: arithmetic, activations, Identity/Dropout, Cast."""

from __future__ import annotations

import numpy as np
import onnx

from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.frontend.onnx.registry import converter
from fpgaforge.ir.value import Value

_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow"}
_UNARY = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Exp": "exp",
    "Log": "log",
    "Sqrt": "sqrt",
    "Abs": "abs",
    "Neg": "neg",
    "Reciprocal": "reciprocal",
    "Erf": "erf",
    "Floor": "floor",
    "Ceil": "ceil",
    "Sign": "sign",
    "Sin": "sin",
    "Cos": "cos",
    "Round": "round",
    "Softsign": "softsign",
    "Softplus": "softplus",
    "HardSwish": "hard_swish",
    "Mish": "mish",
}


@converter(*_BINARY)
def binary(ctx: ImportContext) -> list[Value | None]:
    if ctx.has_attr("broadcast") or ctx.has_attr("axis"):
        raise ctx.unsupported("legacy broadcast attributes (opset < 7) are not supported")
    a, b = ctx.require_input(0, "A"), ctx.require_input(1, "B")
    return [ctx.emit1(_BINARY[ctx.op_type], [a, b])]


@converter("Sum", "Max", "Min", "Mean")
def variadic(ctx: ImportContext) -> list[Value | None]:
    values = [v for v in ctx.inputs if v is not None]
    if not values:
        raise ctx.unsupported("it has no inputs")
    op = {"Sum": "Add", "Mean": "Add", "Max": "Max", "Min": "Min"}[ctx.op_type]
    if len(values) == 1:
        return [values[0]]
    result = values[0]
    for other in values[1:]:
        result = ctx.emit1(op, [result, other])
    if ctx.op_type == "Mean":
        scale = ctx.constant(np.array(1.0 / len(values), dtype=result.dtype), "inv_n")
        result = ctx.emit1("Mul", [result, scale])
    return [result]


@converter(*_UNARY)
def unary(ctx: ImportContext) -> list[Value | None]:
    return [ctx.emit1("Activation", [ctx.require_input(0, "X")], {"func": _UNARY[ctx.op_type]})]


_PARAMETRIC = {
    # op_type: (func, {onnx attr: (fpgaforge attr, default)})
    "LeakyRelu": ("leaky_relu", {"alpha": ("alpha", 0.01)}),
    "Elu": ("elu", {"alpha": ("alpha", 1.0)}),
    "Celu": ("celu", {"alpha": ("alpha", 1.0)}),
    "Selu": (
        "selu",
        {
            "alpha": ("alpha", 1.67326319217681884765625),
            "gamma": ("gamma", 1.05070102214813232421875),
        },
    ),
    "ThresholdedRelu": ("thresholded_relu", {"alpha": ("alpha", 1.0)}),
    "HardSigmoid": ("hard_sigmoid", {"alpha": ("alpha", 0.2), "beta": ("beta", 0.5)}),
}


@converter(*_PARAMETRIC)
def parametric(ctx: ImportContext) -> list[Value | None]:
    func, mapping = _PARAMETRIC[ctx.op_type]
    attrs: dict = {"func": func}
    for onnx_name, (name, default) in mapping.items():
        attrs[name] = float(ctx.attr(onnx_name, default))
    return [ctx.emit1("Activation", [ctx.require_input(0, "X")], attrs)]


@converter("Gelu")
def gelu(ctx: ImportContext) -> list[Value | None]:
    approximate = ctx.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise ctx.unsupported(f"approximate={approximate!r} is not 'none' or 'tanh'")
    return [
        ctx.emit1(
            "Activation", [ctx.require_input(0, "X")], {"func": "gelu", "approximate": approximate}
        )
    ]


@converter("Clip")
def clip(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "input")
    if ctx.opset < 11:
        low, high = ctx.attr("min", None), ctx.attr("max", None)
    else:
        low_a, high_a = ctx.const_input(1, "min"), ctx.const_input(2, "max")
        low = None if low_a is None else low_a.item()
        high = None if high_a is None else high_a.item()
    if low is None and high is None:
        return [x]
    return [ctx.emit1("Activation", [x], {"func": "clip", "min": low, "max": high})]


@converter("PRelu")
def prelu(ctx: ImportContext) -> list[Value | None]:
    return [ctx.emit1("PRelu", [ctx.require_input(0, "X"), ctx.require_input(1, "slope")])]


@converter("Identity")
def identity(ctx: ImportContext) -> list[Value | None]:
    return [ctx.require_input(0, "input")]


@converter("Dropout")
def dropout(ctx: ImportContext) -> list[Value | None]:
    # inference: Dropout passes its input through; the mask output is unavailable
    if ctx.opset >= 12:
        mode = ctx.const_input(2, "training_mode")
        if mode is not None and bool(mode):
            raise ctx.unsupported("training_mode is true; export the model in eval mode")
    x = ctx.require_input(0, "data")
    # in inference the mask keeps everything
    return [x, ctx.constant(np.ones(x.shape, dtype=bool), "mask")]


@converter("Cast")
def cast(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "input")
    to = onnx.helper.tensor_dtype_to_np_dtype(ctx.attr("to"))
    if isinstance(x.dtype, np.dtype) and x.dtype == to:
        return [x]
    if to.kind not in "fiub":
        raise ctx.unsupported(f"casting to {to} is not supported")
    return [ctx.emit1("Cast", [x], {"to": np.dtype(to).name})]
