"""Neural-network ONNX ops: Gemm/MatMul, Conv, BatchNorm, pooling, normalization, reductions."""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.onnx.common import ints, normalize_axis, spatial_pads
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.frontend.onnx.registry import converter
from fpgaforge.ir.value import Value


@converter("Gemm")
def gemm(ctx: ImportContext) -> list[Value | None]:
    a, b, c = ctx.require_input(0, "A"), ctx.require_input(1, "B"), ctx.input(2)
    alpha, beta = float(ctx.attr("alpha", 1.0)), float(ctx.attr("beta", 1.0))
    trans_a, trans_b = int(ctx.attr("transA", 0)), int(ctx.attr("transB", 0))
    if a.rank != 2 or b.rank != 2:
        raise ctx.unsupported(f"Gemm needs 2-D inputs, got {a.shape} and {b.shape}")
    if trans_a:
        a = ctx.emit1("Transpose", [a], {"perm": (1, 0)})
    if b.is_constant and b.const is not None:
        weight = b.const if trans_b else b.const.T  # Dense weight is [N, K]
        if alpha != 1.0:
            weight = weight * np.asarray(alpha, weight.dtype)
        bias = None
        if c is not None and c.is_constant and c.const is not None and beta != 0.0:
            n = weight.shape[0]
            cdata = np.asarray(c.const) * np.asarray(beta, c.const.dtype)
            if cdata.size in (1, n) and (cdata.ndim < 2 or cdata.shape[0] == 1):
                bias = ctx.constant(
                    np.broadcast_to(cdata.reshape(-1), (n,)).astype(weight.dtype), "bias"
                )
                c = None
        y = ctx.emit1("Dense", [a, ctx.constant(np.ascontiguousarray(weight), "weight"), bias])
    else:
        if trans_b:
            b = ctx.emit1("Transpose", [b], {"perm": (1, 0)})
        y = ctx.emit1("MatMul", [a, b])
        if alpha != 1.0:
            y = ctx.emit1("Mul", [y, ctx.constant(np.asarray(alpha, np.float32), "alpha")])
    if c is not None and beta != 0.0:
        if beta != 1.0:
            c = ctx.emit1("Mul", [c, ctx.constant(np.asarray(beta, np.float32), "beta")])
        y = ctx.emit1("Add", [y, c])
    return [y]


@converter("MatMul")
def matmul(ctx: ImportContext) -> list[Value | None]:
    a, b = ctx.require_input(0, "A"), ctx.require_input(1, "B")
    if b.is_constant and b.const is not None and b.rank == 2 and a.rank >= 1:
        weight = ctx.constant(np.ascontiguousarray(b.const.T), "weight")
        return [ctx.emit1("Dense", [a, weight])]
    return [ctx.emit1("MatMul", [a, b])]


def _conv_like_attrs(ctx: ImportContext, x: Value, kernel: tuple[int, ...]) -> dict:
    n = len(kernel)
    strides = ints(ctx.attr("strides", (1,) * n))
    dilations = ints(ctx.attr("dilations", (1,) * n))
    pads = spatial_pads(ctx, tuple(x.shape[2:]), kernel, strides, dilations)
    return {"strides": strides, "pads": pads, "dilations": dilations}


@converter("Conv")
def conv(ctx: ImportContext) -> list[Value | None]:
    x, w, b = ctx.require_input(0, "X"), ctx.require_input(1, "W"), ctx.input(2)
    if x.rank < 3 or w.rank != x.rank:
        raise ctx.unsupported(
            f"Conv needs N-C-spatial input and weight of the same rank, got {x.shape} and {w.shape}"
        )
    kernel = tuple(w.shape[2:])
    declared = ctx.attr("kernel_shape", None)
    if declared is not None and ints(declared) != kernel:
        raise ctx.unsupported(f"kernel_shape {declared} disagrees with the weight shape {w.shape}")
    attrs = _conv_like_attrs(ctx, x, kernel)
    group = int(ctx.attr("group", 1))
    attrs["group"] = group
    channels = x.shape[1]
    op = (
        "DepthwiseConv"
        if group > 1 and group == channels and w.shape[0] % channels == 0
        else "Conv"
    )
    return [ctx.emit1(op, [x, w, b], attrs)]


@converter("BatchNormalization")
def batch_norm(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "X")
    gamma = ctx.const_input(1, "scale")
    beta = ctx.const_input(2, "B")
    mean = ctx.const_input(3, "input_mean")
    var = ctx.const_input(4, "input_var")
    if ctx.attr("training_mode", 0):
        raise ctx.unsupported("training_mode=1; export the model in eval mode")
    eps = float(ctx.attr("epsilon", 1e-5))
    if gamma is None or beta is None or mean is None or var is None:
        raise ctx.unsupported("it needs all five inputs (X, scale, B, input_mean, input_var)")
    compute = np.float64
    scale = gamma.astype(compute) / np.sqrt(var.astype(compute) + eps)
    shift = beta.astype(compute) - mean.astype(compute) * scale
    dtype = x.dtype if isinstance(x.dtype, np.dtype) else np.float32
    y = ctx.emit1(
        "Affine",
        [x, ctx.constant(scale.astype(dtype), "scale"), ctx.constant(shift.astype(dtype), "bias")],
        {"axis": 1},
    )
    return [y] + [None] * (len(ctx.node.output) - 1 if ctx.node else 0)


def _pool_attrs(ctx: ImportContext, x: Value) -> dict:
    kernel = ints(ctx.attr("kernel_shape"))
    if len(kernel) != x.rank - 2:
        raise ctx.unsupported(
            f"kernel_shape {kernel} does not match the input's {x.rank - 2} spatial axes"
        )
    attrs = _conv_like_attrs(ctx, x, kernel)
    attrs["kernel"] = kernel
    attrs["ceil_mode"] = bool(ctx.attr("ceil_mode", 0))
    return attrs


@converter("MaxPool")
def max_pool(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "X")
    if ctx.node is not None and len(ctx.node.output) > 1 and ctx.node.output[1]:
        raise ctx.unsupported("the Indices output of MaxPool is not supported")
    if int(ctx.attr("storage_order", 0)) != 0:
        raise ctx.unsupported("storage_order=1 is not supported")
    attrs = _pool_attrs(ctx, x)
    return [ctx.emit1("Pool", [x], {"kind": "max", **attrs})]


@converter("AveragePool")
def average_pool(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "X")
    attrs = _pool_attrs(ctx, x)
    attrs["count_include_pad"] = bool(ctx.attr("count_include_pad", 0))
    return [ctx.emit1("Pool", [x], {"kind": "avg", **attrs})]


@converter("LpPool")
def lp_pool(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "X")
    attrs = _pool_attrs(ctx, x)
    return [ctx.emit1("Pool", [x], {"kind": "lp", "p": int(ctx.attr("p", 2)), **attrs})]


@converter("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool")
def global_pool(ctx: ImportContext) -> list[Value | None]:
    kind = {"GlobalAveragePool": "avg", "GlobalMaxPool": "max", "GlobalLpPool": "lp"}[ctx.op_type]
    return [
        ctx.emit1(
            "GlobalPool", [ctx.require_input(0, "X")], {"kind": kind, "p": int(ctx.attr("p", 2))}
        )
    ]


@converter("LRN")
def lrn(ctx: ImportContext) -> list[Value | None]:
    attrs = {
        "size": int(ctx.attr("size")),
        "alpha": float(ctx.attr("alpha", 1e-4)),
        "beta": float(ctx.attr("beta", 0.75)),
        "bias": float(ctx.attr("bias", 1.0)),
    }
    return [ctx.emit1("LRN", [ctx.require_input(0, "X")], attrs)]


@converter("Softmax", "LogSoftmax")
def softmax(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "input")
    legacy = ctx.opset < 13
    axis = normalize_axis(ctx, int(ctx.attr("axis", 1 if legacy else -1)), x.rank)
    if legacy and axis == x.rank - 1:
        legacy = False  # the 2-D coercion changes nothing when the axis is the last one
    return [
        ctx.emit1(
            "Softmax", [x], {"axis": axis, "log": ctx.op_type == "LogSoftmax", "legacy": legacy}
        )
    ]


@converter("LayerNormalization")
def layer_norm(ctx: ImportContext) -> list[Value | None]:
    x, scale, bias = ctx.require_input(0, "X"), ctx.require_input(1, "Scale"), ctx.input(2)
    axis = normalize_axis(ctx, int(ctx.attr("axis", -1)), x.rank)
    epsilon = float(ctx.attr("epsilon", 1e-5))
    y = ctx.emit1("LayerNorm", [x, scale, bias], {"axis": axis, "epsilon": epsilon})
    wanted = ctx.node.output[1:] if ctx.node is not None else []
    if not any(wanted):
        return [y]
    # the optional statistics outputs, computed with ordinary ops
    axes = tuple(range(axis, x.rank))
    mean = ctx.emit1("Reduce", [x], {"kind": "mean", "axes": axes, "keepdims": True})
    centered = ctx.emit1("Sub", [x, mean])
    var = ctx.emit1(
        "Reduce",
        [ctx.emit1("Mul", [centered, centered])],
        {"kind": "mean", "axes": axes, "keepdims": True},
    )
    eps = ctx.constant(np.asarray(epsilon, dtype=var.dtype), "epsilon")
    inv_std = ctx.emit1(
        "Activation",
        [ctx.emit1("Activation", [ctx.emit1("Add", [var, eps])], {"func": "sqrt"})],
        {"func": "reciprocal"},
    )
    return [y, mean, inv_std]


_REDUCE = {
    "ReduceMean": "mean",
    "ReduceSum": "sum",
    "ReduceMax": "max",
    "ReduceMin": "min",
    "ReduceProd": "prod",
    "ReduceL1": "l1",
    "ReduceL2": "l2",
    "ReduceSumSquare": "sum_square",
    "ReduceLogSum": "log_sum",
    "ReduceLogSumExp": "log_sum_exp",
}
_AXES_AS_INPUT_SINCE = {"ReduceSum": 13}


@converter(*_REDUCE)
def reduce(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    since = _AXES_AS_INPUT_SINCE.get(ctx.op_type, 18)
    if ctx.opset >= since:
        data = ctx.const_input(1, "axes")
        axes = None if data is None else ints(data)
    else:
        raw = ctx.attr("axes", None)
        axes = None if raw is None else ints(raw)
    keepdims = bool(ctx.attr("keepdims", 1))
    if axes is not None and len(axes) == 0:
        axes = None
    if axes is None and ctx.opset >= since and int(ctx.attr("noop_with_empty_axes", 0)):
        return [x]
    if axes is not None:
        axes = tuple(sorted({normalize_axis(ctx, a, x.rank) for a in axes}))
    return [
        ctx.emit1("Reduce", [x], {"kind": _REDUCE[ctx.op_type], "axes": axes, "keepdims": keepdims})
    ]
