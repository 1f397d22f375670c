"""Op library tests: every op against onnxruntime, torch or numpy references."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from onnx import helper

from fpgaforge.errors import ShapeError
from fpgaforge.ir import Graph, execute
from fpgaforge.ir.ops import get


@dataclass
class C:
    """Marks an op input as a constant (weights) instead of a graph input."""

    data: Any


def build(op: str, inputs: Sequence[np.ndarray | C | None], attrs: dict | None = None, **kw):
    """A graph with one `op` node; arrays become graph inputs, `C(...)` constants."""
    g = Graph("test")
    values = []
    feeds = {}
    for i, item in enumerate(inputs):
        if item is None:
            values.append(None)
        elif isinstance(item, C):
            values.append(g.add_constant(f"c{i}", np.asarray(item.data)))
        else:
            array = np.asarray(item)
            value = g.add_input(f"in{i}", array.shape, array.dtype)
            values.append(value)
            feeds[value.name] = array
    node = g.add_node(op, values, name="n0", attrs=attrs or {}, **kw)
    g.outputs = list(node.outputs)
    return g, node, feeds


def run(
    op: str, inputs: Sequence[np.ndarray | C | None], attrs: dict | None = None, **kw
) -> list[np.ndarray]:
    """Build and execute one op; returns its outputs."""
    g, node, feeds = build(op, inputs, attrs, **kw)
    result = execute(g, feeds)
    outs = [result[v.name] for v in node.outputs]
    for value, array in zip(node.outputs, outs, strict=True):
        assert array.shape == value.shape, (
            f"{op}: executed shape {array.shape} != inferred {value.shape}"
        )
        assert array.dtype == value.dtype, (
            f"{op}: executed dtype {array.dtype} != inferred {value.dtype}"
        )
    return outs


def run1(op: str, inputs, attrs=None, **kw) -> np.ndarray:
    return run(op, inputs, attrs, **kw)[0]


_SESSIONS: dict[bytes, ort.InferenceSession] = {}


def onnx_run(
    op_type: str,
    inputs: Sequence[np.ndarray | None],
    attrs: dict | None = None,
    *,
    opset: int = 21,
    n_out: int = 1,
    out_dtype: Any = None,
    domain: str = "",
) -> list[np.ndarray]:
    """Run a single ONNX node in onnxruntime (absent optional inputs as None)."""
    names, infos, feeds = [], [], {}
    for i, array in enumerate(inputs):
        if array is None:
            names.append("")
            continue
        array = np.asarray(array)
        name = f"i{i}"
        names.append(name)
        infos.append(
            helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(array.dtype), array.shape
            )
        )
        feeds[name] = array
    while names and names[-1] == "":
        names.pop()
    first = np.asarray(next(a for a in inputs if a is not None))
    elem = helper.np_dtype_to_tensor_dtype(
        np.dtype(out_dtype) if out_dtype is not None else first.dtype
    )
    outs = [helper.make_tensor_value_info(f"o{k}", elem, None) for k in range(n_out)]
    node = helper.make_node(op_type, names, [o.name for o in outs], domain=domain, **(attrs or {}))
    graph = helper.make_graph([node], "g", infos, outs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    key = model.SerializeToString()
    session = _SESSIONS.get(key)
    if session is None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(key, options, providers=["CPUExecutionProvider"])
        _SESSIONS[key] = session
    return session.run(None, feeds)


def onnx_run1(op_type: str, inputs, attrs=None, **kw) -> np.ndarray:
    return onnx_run(op_type, inputs, attrs, **kw)[0]


RNG = np.random.default_rng(0)


def randn(*shape, dtype=np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def close(a, b, atol=1e-5, rtol=1e-5) -> None:
    np.testing.assert_allclose(
        np.asarray(a, np.float64), np.asarray(b, np.float64), atol=atol, rtol=rtol
    )


def batch_check(op: str, inputs, attrs=None, batch: int = 5, axis0_safe: bool = True) -> None:
    """Build with batch 1 and execute with `batch`; compare to sample-by-sample runs."""
    g, node, feeds = build(op, inputs, attrs)
    assert get(op).batch_safe(node) is axis0_safe
    big = {
        k: np.concatenate(
            [v] + [RNG.standard_normal(v.shape).astype(v.dtype) for _ in range(batch - 1)]
        )
        for k, v in feeds.items()
    }
    if not axis0_safe:
        return
    out = execute(g, big)[node.outputs[0].name]
    assert out.shape[0] == batch
    for i in range(batch):
        single = execute(g, {k: v[i : i + 1] for k, v in big.items()})[node.outputs[0].name]
        close(out[i : i + 1], single, atol=1e-6)


# ---- Conv ---------------------------------------------------------------------

_TORCH_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


@pytest.mark.parametrize(
    "xshape, wshape, stride, pad, dil, group",
    [
        ((2, 3, 17), (4, 3, 3), 2, 1, 1, 1),
        ((2, 4, 11, 9), (6, 2, 3, 3), 1, 2, 2, 2),
        ((1, 3, 16, 16), (8, 3, 5, 5), 2, 2, 1, 1),
        ((2, 6, 12, 10), (6, 1, 3, 3), 1, 1, 1, 6),
        ((2, 4, 9, 9), (8, 1, 3, 3), 2, 1, 2, 4),
        ((1, 4, 5, 6, 7), (6, 2, 3, 2, 3), 1, 1, 1, 2),
        ((1, 8, 7, 7), (16, 8, 1, 1), 1, 0, 1, 1),
    ],
)
def test_conv_matches_torch(xshape, wshape, stride, pad, dil, group):
    x, w, b = randn(*xshape), randn(*wshape), randn(wshape[0])
    rank = len(xshape) - 2
    attrs = {
        "strides": (stride,) * rank,
        "pads": (pad,) * 2 * rank,
        "dilations": (dil,) * rank,
        "group": group,
    }
    y = run1("Conv", [x, C(w), C(b)], attrs)
    ref = _TORCH_CONV[rank](
        torch.from_numpy(x),
        torch.from_numpy(w),
        torch.from_numpy(b),
        stride=stride,
        padding=pad,
        dilation=dil,
        groups=group,
    ).numpy()
    close(y, ref, atol=1e-4)
    if group == xshape[1]:
        close(run1("DepthwiseConv", [x, C(w), C(b)], attrs), ref, atol=1e-4)


def test_conv_asymmetric_pads_matches_onnxruntime():
    x, w = randn(2, 3, 10, 9), randn(5, 3, 3, 2)
    attrs = {"strides": (2, 1), "pads": (0, 1, 2, 0), "dilations": (1, 2)}
    y = run1("Conv", [x, C(w)], attrs)
    ref = onnx_run1("Conv", [x, w], {"strides": [2, 1], "pads": [0, 1, 2, 0], "dilations": [1, 2]})
    close(y, ref, atol=1e-4)


def test_conv_macs_and_batch():
    x, w = randn(1, 4, 8, 8), randn(6, 2, 3, 3)
    g, node, _ = build("Conv", [x, C(w)], {"pads": (1, 1, 1, 1), "group": 2})
    assert node.outputs[0].shape == (1, 6, 8, 8)
    assert get("Conv").macs(node) == 6 * 8 * 8 * 2 * 9
    batch_check("Conv", [x, C(w)], {"pads": (1, 1, 1, 1), "group": 2})


def test_conv_shape_errors_name_the_node():
    with pytest.raises(ShapeError, match="n0"):
        build("Conv", [randn(1, 3, 8, 8), C(randn(4, 2, 3, 3))])
    with pytest.raises(ShapeError, match="n0"):
        build("Conv", [randn(1, 3, 2, 2), C(randn(4, 3, 3, 3))])
    with pytest.raises(ShapeError, match="n0"):
        build("Conv", [randn(1, 3, 8, 8), C(randn(4, 3, 3, 3)), C(randn(5))])
    with pytest.raises(ShapeError, match="group == channels"):
        build("DepthwiseConv", [randn(1, 4, 8, 8), C(randn(4, 2, 3, 3))], {"group": 2})


# ---- Pool ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, kernel, strides, pads, dil, ceil, include",
    [
        ((2, 3, 11, 11), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False, False),
        ((2, 3, 11, 10), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), True, False),
        ((2, 3, 11, 10), (3, 2), (2, 3), (1, 0, 1, 1), (1, 1), True, True),
        ((1, 2, 12, 12), (2, 2), (2, 2), (0, 0, 0, 0), (2, 2), False, False),
        ((1, 2, 13), (4,), (3,), (1, 2), (1,), True, False),
        ((1, 2, 5, 6, 7), (2, 3, 2), (1, 2, 2), (0, 1, 1, 1, 0, 0), (1, 1, 1), False, True),
    ],
)
def test_pool_matches_onnxruntime(shape, kernel, strides, pads, dil, ceil, include):
    x = randn(*shape)
    base = {"kernel": kernel, "strides": strides, "pads": pads, "ceil_mode": ceil}
    onnx_base = {
        "kernel_shape": list(kernel),
        "strides": list(strides),
        "pads": list(pads),
        "ceil_mode": int(ceil),
    }
    y = run1("Pool", [x], {**base, "kind": "max", "dilations": dil})
    close(y, onnx_run1("MaxPool", [x], {**onnx_base, "dilations": list(dil)}))
    y = run1("Pool", [x], {**base, "kind": "avg", "count_include_pad": include, "dilations": dil})
    ref = onnx_run1(
        "AveragePool", [x], {**onnx_base, "count_include_pad": int(include), "dilations": list(dil)}
    )
    close(y, ref)
    if not ceil and dil == (1,) * len(kernel):
        y = run1("Pool", [x], {**base, "kind": "lp", "p": 3})
        onnx_lp = {k: v for k, v in onnx_base.items() if k != "ceil_mode"}
        close(y, onnx_run1("LpPool", [x], {**onnx_lp, "p": 3}), atol=1e-4)


def test_pool_ceil_mode_drops_window_starting_in_right_padding():
    # 6 wide, kernel 2, stride 2, pad 1 both sides: ceil gives 4, but the 4th window starts in the right pad
    x = randn(1, 1, 6, 6)
    g, node, _ = build(
        "Pool", [x], {"kernel": (2, 2), "strides": (2, 2), "pads": (1, 1, 1, 1), "ceil_mode": True}
    )
    assert node.outputs[0].shape == (1, 1, 4, 4)
    g, node, _ = build(
        "Pool", [x], {"kernel": (3, 3), "strides": (2, 2), "pads": (0, 0, 1, 1), "ceil_mode": True}
    )
    ref = F.max_pool2d(torch.from_numpy(x), 3, 2, 0, ceil_mode=True)
    assert node.outputs[0].shape == tuple(ref.shape)


def test_pool_int_max_and_batch():
    x = RNG.integers(-100, 100, (1, 2, 6, 6)).astype(np.int8)
    y = run1(
        "Pool", [x], {"kind": "max", "kernel": (2, 2), "strides": (2, 2), "pads": (1, 1, 1, 1)}
    )
    assert y.dtype == np.int8
    close(y, F.max_pool2d(torch.from_numpy(x.astype(np.float32)), 2, 2, 1).numpy())
    batch_check("Pool", [randn(1, 2, 6, 6)], {"kind": "avg", "kernel": (3, 3)})
    assert get("Pool").macs(build("Pool", [x], {"kernel": (2, 2)})[1]) == 0


def test_global_pool():
    x = randn(2, 3, 5, 4)
    close(run1("GlobalPool", [x], {"kind": "avg"}), onnx_run1("GlobalAveragePool", [x]))
    close(run1("GlobalPool", [x], {"kind": "max"}), onnx_run1("GlobalMaxPool", [x]))
    close(
        run1("GlobalPool", [x], {"kind": "lp", "p": 2}),
        onnx_run1("GlobalLpPool", [x], {"p": 2}),
        atol=1e-4,
    )
    with pytest.raises(ShapeError, match="n0"):
        build("GlobalPool", [randn(2, 3)], {"kind": "avg"})
    with pytest.raises(ShapeError, match="n0"):
        build("Pool", [randn(1, 1, 2, 2)], {"kernel": (3, 3)})


# ---- elementwise ----------------------------------------------------------------

_NUMPY_BINARY = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": np.divide,
    "Max": np.maximum,
    "Min": np.minimum,
}


@pytest.mark.parametrize("op", ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"])
def test_binary_float_broadcast_matches_onnxruntime(op):
    a, b = randn(2, 3, 4), randn(3, 1)
    if op == "Pow":
        a = np.abs(a) + 0.5
    y = run1(op, [a, C(b)])
    close(y, onnx_run1(op, [a, b], opset=13), atol=1e-5)
    y2 = run1(op, [a, b])
    close(y2, y)


def test_binary_integer_semantics():
    a = np.array([[7, -7, 7, -7, 0]], np.int32)
    b = np.array([[2, 2, -2, -2, 3]], np.int32)
    y = run1("Div", [a, C(b)])
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, onnx_run1("Div", [a, b]))
    np.testing.assert_array_equal(y, [[3, -3, -3, 3, 0]])
    # Pow keeps the base dtype
    y = run1("Pow", [randn(1, 4), C(np.array(2, np.int64))])
    assert y.dtype == np.float32
    base = np.array([[2, 3]], np.int64)
    np.testing.assert_array_equal(run1("Pow", [base, C(np.array(2.0, np.float32))]), [[4, 9]])
    for op in ("Max", "Min", "Add", "Mul"):
        np.testing.assert_array_equal(run1(op, [a, C(b)]), onnx_run1(op, [a, b], opset=13))


def test_binary_errors_and_batch():
    with pytest.raises(ShapeError, match="n0"):
        build("Add", [randn(1, 3), C(randn(4))])
    batch_check("Add", [randn(1, 3, 4), C(randn(3, 1))])
    batch_check("Mul", [randn(1, 3), C(randn(1, 3))])
    batch_check("Add", [randn(1, 3), C(randn(2, 1, 3))], axis0_safe=False)


def test_affine_and_prelu():
    x, s, b = randn(2, 3, 4, 4), randn(3), randn(3)
    close(run1("Affine", [x, C(s), C(b)]), x * s[:, None, None] + b[:, None, None])
    close(run1("Affine", [x, C(randn(4)), C(randn(4))], {"axis": -1}).shape, x.shape)
    with pytest.raises(ShapeError, match="n0"):
        build("Affine", [x, C(randn(4)), C(randn(4))])
    batch_check("Affine", [randn(1, 3, 2), C(s), C(b)])
    batch_check("Affine", [randn(1, 3, 2), C(randn(1)), C(randn(1))], {"axis": 0}, axis0_safe=False)
    slope = randn(3, 1, 1)
    close(run1("PRelu", [x, C(slope)]), onnx_run1("PRelu", [x, slope]))
    with pytest.raises(ShapeError, match="n0"):
        build("PRelu", [x, C(randn(3))])
    batch_check("PRelu", [randn(1, 3, 2, 2), C(slope)])


_ACTIVATION_CASES = [
    ("relu", {}, "Relu", {}, 14),
    ("leaky_relu", {"alpha": 0.1}, "LeakyRelu", {"alpha": 0.1}, 16),
    ("sigmoid", {}, "Sigmoid", {}, 13),
    ("hard_sigmoid", {"alpha": 0.3, "beta": 0.4}, "HardSigmoid", {"alpha": 0.3, "beta": 0.4}, 6),
    ("hard_swish", {}, "HardSwish", {}, 14),
    ("tanh", {}, "Tanh", {}, 13),
    ("exp", {}, "Exp", {}, 13),
    ("abs", {}, "Abs", {}, 13),
    ("neg", {}, "Neg", {}, 13),
    ("reciprocal", {}, "Reciprocal", {}, 13),
    ("erf", {}, "Erf", {}, 13),
    ("floor", {}, "Floor", {}, 13),
    ("ceil", {}, "Ceil", {}, 13),
    ("sign", {}, "Sign", {}, 13),
    ("sin", {}, "Sin", {}, 7),
    ("cos", {}, "Cos", {}, 7),
    ("round", {}, "Round", {}, 11),
    ("softplus", {}, "Softplus", {}, 1),
    ("softsign", {}, "Softsign", {}, 1),
    ("elu", {"alpha": 0.7}, "Elu", {"alpha": 0.7}, 6),
    ("selu", {"alpha": 1.67, "gamma": 1.05}, "Selu", {"alpha": 1.67, "gamma": 1.05}, 6),
    ("celu", {"alpha": 0.8}, "Celu", {"alpha": 0.8}, 12),
    ("thresholded_relu", {"alpha": 0.3}, "ThresholdedRelu", {"alpha": 0.3}, 10),
    ("gelu", {}, "Gelu", {}, 20),
    ("gelu", {"approximate": "tanh"}, "Gelu", {"approximate": "tanh"}, 20),
    ("mish", {}, "Mish", {}, 18),
]


@pytest.mark.parametrize("func, attrs, onnx_op, onnx_attrs, opset", _ACTIVATION_CASES)
def test_activation_matches_onnxruntime(func, attrs, onnx_op, onnx_attrs, opset):
    x = randn(3, 50) * 3
    x[0, :6] = [-2.5, -0.5, 0.5, 1.5, 2.5, 0.0]  # rounding ties
    y = run1("Activation", [x], {"func": func, **attrs})
    assert y.dtype == np.float32
    close(y, onnx_run1(onnx_op, [x], onnx_attrs, opset=opset), atol=2e-6, rtol=2e-6)


def test_activation_positive_domain_and_others():
    x = np.abs(randn(2, 30)) + 0.01
    close(run1("Activation", [x], {"func": "log"}), onnx_run1("Log", [x], opset=13), rtol=1e-6)
    close(run1("Activation", [x], {"func": "sqrt"}), onnx_run1("Sqrt", [x], opset=13), rtol=1e-6)
    close(
        run1("Activation", [x], {"func": "pow", "alpha": 1.7}),
        x.astype(np.float64) ** 1.7,
        rtol=1e-6,
    )
    z = randn(2, 30) * 4
    clip = onnx_run1("Clip", [z, np.float32(-1.0), np.float32(2.0)], opset=13)
    close(run1("Activation", [z], {"func": "clip", "min": -1.0, "max": 2.0}), clip)
    close(run1("Activation", [z], {"func": "clip", "max": 2.0}), np.minimum(z, 2.0))
    close(run1("Activation", [z], {"func": "silu"}), F.silu(torch.from_numpy(z)).numpy(), atol=1e-6)
    with pytest.raises(ShapeError, match="n0"):
        build("Activation", [z], {"func": "swoosh"})


def test_erf_is_accurate():
    from fpgaforge.ir.ops.elementwise import erf

    x = np.concatenate(
        [np.linspace(-7, 7, 20001), [0.0, 1e-300, -1e-12, 5.999, 6.0, np.inf, -np.inf]]
    )
    ref = np.array([math.erf(v) for v in x])
    err = np.abs(erf(x) - ref) / np.maximum(np.abs(ref), 1e-300)
    assert err.max() < 1e-11
    assert np.isnan(erf(np.array([np.nan]))[0])


# ---- normalize -------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 1, 2])
def test_softmax_matches_onnxruntime(axis):
    x = randn(2, 3, 4) * 3
    close(
        run1("Softmax", [x], {"axis": axis}),
        onnx_run1("Softmax", [x], {"axis": axis}, opset=13),
        atol=1e-6,
    )
    y = run1("Softmax", [x], {"axis": axis, "log": True})
    close(y, onnx_run1("LogSoftmax", [x], {"axis": axis}, opset=13), atol=1e-5)
    legacy = onnx_run1("Softmax", [x], {"axis": axis}, opset=11)
    close(run1("Softmax", [x], {"axis": axis, "legacy": True}), legacy, atol=1e-6)
    legacy = onnx_run1("LogSoftmax", [x], {"axis": axis}, opset=11)
    close(run1("Softmax", [x], {"axis": axis, "legacy": True, "log": True}), legacy, atol=1e-5)


def test_softmax_batch_rules():
    batch_check("Softmax", [randn(1, 4)], {"axis": -1})
    batch_check("Softmax", [randn(1, 3, 4)], {"axis": 1, "legacy": True})
    batch_check("Softmax", [randn(1, 4)], {"axis": 0}, axis0_safe=False)
    batch_check("Softmax", [randn(1, 4)], {"axis": 0, "legacy": True}, axis0_safe=False)
    with pytest.raises(ShapeError, match="n0"):
        build("Softmax", [randn(1, 4)], {"axis": 2})


_ONNX_REDUCE = {
    "mean": "ReduceMean",
    "sum": "ReduceSum",
    "max": "ReduceMax",
    "min": "ReduceMin",
    "prod": "ReduceProd",
    "l1": "ReduceL1",
    "l2": "ReduceL2",
    "sum_square": "ReduceSumSquare",
    "log_sum": "ReduceLogSum",
    "log_sum_exp": "ReduceLogSumExp",
}


@pytest.mark.parametrize("kind", list(_ONNX_REDUCE))
@pytest.mark.parametrize(
    "axes, keepdims", [((1,), True), ((1, 2), False), (None, True), ((-1,), False)]
)
def test_reduce_matches_onnxruntime(kind, axes, keepdims):
    x = np.abs(randn(2, 3, 4)) + 0.1
    attrs = {"kind": kind, "axes": axes, "keepdims": keepdims}
    inputs = [x] if axes is None else [x, np.array(axes, np.int64)]
    ref = onnx_run1(_ONNX_REDUCE[kind], inputs, {"keepdims": int(keepdims)}, opset=18)
    close(run1("Reduce", [x], attrs), ref, atol=1e-5)


def test_reduce_batch_and_errors():
    batch_check("Reduce", [randn(1, 3, 4)], {"kind": "mean", "axes": (2,), "keepdims": False})
    batch_check("Reduce", [randn(1, 3, 4)], {"kind": "mean", "axes": None}, axis0_safe=False)
    batch_check("Reduce", [randn(1, 3, 4)], {"kind": "sum", "axes": (0, 1)}, axis0_safe=False)
    x = RNG.integers(-5, 5, (2, 3)).astype(np.int32)
    y = run1("Reduce", [x], {"kind": "sum", "axes": (1,)})
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, x.sum(axis=1, keepdims=True))
    with pytest.raises(ShapeError, match="n0"):
        build("Reduce", [randn(1, 3)], {"kind": "mean", "axes": (3,)})
    with pytest.raises(ShapeError, match="n0"):
        build("Reduce", [randn(1, 3)], {"kind": "median"})


@pytest.mark.parametrize("axis", [-1, 1])
def test_layernorm_matches_onnxruntime(axis):
    x = randn(2, 3, 8)
    shape = x.shape[axis:]
    scale, bias = randn(*shape), randn(*shape)
    attrs = {"axis": axis, "epsilon": 1e-3}
    close(
        run1("LayerNorm", [x, C(scale), C(bias)], attrs),
        onnx_run1("LayerNormalization", [x, scale, bias], attrs, opset=17),
        atol=1e-5,
    )
    close(
        run1("LayerNorm", [x, C(scale)], attrs),
        onnx_run1("LayerNormalization", [x, scale], attrs, opset=17),
        atol=1e-5,
    )
    batch_check("LayerNorm", [randn(1, 3, 8), C(scale), C(bias)], attrs)
    with pytest.raises(ShapeError, match="n0"):
        build("LayerNorm", [x, C(randn(5))])


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_lrn_matches_onnxruntime(size):
    x = randn(2, 7, 3, 3)
    attrs = {"size": size, "alpha": 2e-3, "beta": 0.6, "bias": 1.5}
    if size % 2:
        ref = onnx_run1("LRN", [x], attrs, opset=13)
    else:  # onnxruntime takes odd sizes only: the ONNX formula, channel by channel
        x64, ref = x.astype(np.float64), np.empty(x.shape)
        for c in range(x.shape[1]):
            lo, hi = max(0, c - (size - 1) // 2), min(x.shape[1], c + math.ceil((size - 1) / 2) + 1)
            square_sum = (x64[:, lo:hi] ** 2).sum(axis=1)
            ref[:, c] = x64[:, c] / (1.5 + 2e-3 / size * square_sum) ** 0.6
    close(run1("LRN", [x], attrs), ref, atol=1e-5)
    batch_check("LRN", [randn(1, 7, 3, 3)], attrs)


# ---- shape ops -------------------------------------------------------------------


def test_reshape_and_batch_rule():
    x = randn(1, 3, 4)
    np.testing.assert_array_equal(run1("Reshape", [x], {"shape": (1, 12)}), x.reshape(1, 12))
    batch_check("Reshape", [x], {"shape": (1, 2, 6)})
    g, node, _ = build("Reshape", [x], {"shape": (3, 4)})
    assert not get("Reshape").batch_safe(node)
    g, node, _ = build("Reshape", [x], {"shape": (1, 12)})
    out = execute(g, {"in0": randn(5, 3, 4)})[node.outputs[0].name]
    assert out.shape == (5, 12)
    with pytest.raises(ShapeError, match="n0"):
        build("Reshape", [x], {"shape": (5, 3)})


def test_transpose():
    x = randn(2, 3, 4)
    np.testing.assert_array_equal(run1("Transpose", [x], {"perm": (0, 2, 1)}), x.transpose(0, 2, 1))
    np.testing.assert_array_equal(run1("Transpose", [x]), x.transpose())
    batch_check("Transpose", [randn(1, 3, 4)], {"perm": (0, 2, 1)})
    batch_check("Transpose", [randn(1, 3, 4)], {"perm": (1, 0, 2)}, axis0_safe=False)
    with pytest.raises(ShapeError, match="n0"):
        build("Transpose", [x], {"perm": (0, 1, 1)})


def test_concat_split():
    a, b = randn(2, 3, 4), randn(2, 5, 4)
    np.testing.assert_array_equal(run1("Concat", [a, b], {"axis": 1}), np.concatenate([a, b], 1))
    np.testing.assert_array_equal(run1("Concat", [a, C(b)], {"axis": 1}), np.concatenate([a, b], 1))
    batch_check("Concat", [randn(1, 3), randn(1, 2)], {"axis": 1})
    batch_check("Concat", [randn(1, 3), C(randn(1, 2))], {"axis": 1}, axis0_safe=False)
    batch_check("Concat", [randn(1, 3), randn(1, 3)], {"axis": 0}, axis0_safe=False)
    with pytest.raises(ShapeError, match="n0"):
        build("Concat", [a, randn(2, 5, 3)], {"axis": 1})
    outs = run("Split", [b], {"axis": 1, "sizes": (1, 4)})
    refs = onnx_run("Split", [b, np.array([1, 4], np.int64)], {"axis": 1}, opset=18, n_out=2)
    for o, r in zip(outs, refs, strict=True):
        np.testing.assert_array_equal(o, r)
    batch_check("Split", [randn(1, 6)], {"axis": 1, "sizes": (2, 4)})
    with pytest.raises(ShapeError, match="n0"):
        build("Split", [b], {"axis": 1, "sizes": (2, 4)})


@pytest.mark.parametrize(
    "starts, ends, axes, steps",
    [
        ((1,), (3,), (1,), (1,)),
        ((0, 1), (2, 9), (1, 2), (2, 3)),
        ((4,), (-1,), (2,), (-2,)),
        ((3, 2), (0, 0), (1, 2), (-1, -1)),
    ],
)
def test_slice_matches_onnxruntime(starts, ends, axes, steps):
    x = randn(2, 4, 9)
    y = run1("Slice", [x], {"starts": starts, "ends": ends, "axes": axes, "steps": steps})
    # ONNX clamps a negative-step end to -1 meaning "before 0"; use INT_MIN for that here
    onnx_ends = [e if e >= 0 else -(2**62) for e in ends]
    ref = onnx_run1(
        "Slice", [x] + [np.array(v, np.int64) for v in (starts, onnx_ends, axes, steps)], opset=13
    )
    np.testing.assert_array_equal(y, ref)


def test_slice_batch_and_errors():
    batch_check("Slice", [randn(1, 6)], {"starts": (1,), "ends": (4,), "axes": (1,)})
    batch_check(
        "Slice", [randn(1, 6)], {"starts": (0,), "ends": (1,), "axes": (0,)}, axis0_safe=False
    )
    with pytest.raises(ShapeError, match="n0"):
        build("Slice", [randn(1, 6)], {"starts": (0,), "ends": (1,), "axes": (3,)})


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_matches_onnxruntime(mode):
    x = randn(1, 2, 4, 5)
    pads = (0, 1, 2, 1, 0, 0, 1, 3)
    attrs = {"pads": pads, "mode": mode, "value": 1.5}
    inputs = [x, np.array(pads, np.int64)] + (
        [np.array(1.5, np.float32)] if mode == "constant" else []
    )
    close(run1("Pad", [x], attrs), onnx_run1("Pad", inputs, {"mode": mode}, opset=19))
    crop = (0, 0, -1, 2, 0, 0, 1, -2)
    ref = onnx_run1("Pad", [x, np.array(crop, np.int64)], {"mode": "constant"}, opset=19)
    close(run1("Pad", [x], {"pads": crop}), ref)


def test_pad_batch_and_errors():
    batch_check("Pad", [randn(1, 3)], {"pads": (0, 1, 0, 2)})
    batch_check("Pad", [randn(1, 3)], {"pads": (1, 0, 0, 0)}, axis0_safe=False)
    with pytest.raises(ShapeError, match="n0"):
        build("Pad", [randn(1, 3)], {"pads": (0, 1)})
    with pytest.raises(ShapeError, match="n0"):
        build("Pad", [randn(1, 3)], {"pads": (0, 3, 0, 0), "mode": "reflect"})


def test_gather():
    x = randn(2, 5, 3)
    idx = np.array([[4, 0], [1, 1]], np.int64)
    np.testing.assert_array_equal(
        run1("Gather", [x], {"indices": idx, "axis": 1}),
        onnx_run1("Gather", [x, idx], {"axis": 1}, opset=13),
    )
    np.testing.assert_array_equal(
        run1("Gather", [x], {"indices": np.array(1), "axis": 2}), x[:, :, 1]
    )
    batch_check("Gather", [randn(1, 5)], {"indices": np.array([0, 2]), "axis": 1})
    batch_check("Gather", [randn(1, 5)], {"indices": np.array([0]), "axis": 0}, axis0_safe=False)
    with pytest.raises(ShapeError, match="n0"):
        build("Gather", [x], {"indices": np.array([5]), "axis": 1})


_RESIZE_CASES = [
    ("nearest", "half_pixel", "round_prefer_floor", (1, 2, 9, 10)),
    ("nearest", "asymmetric", "floor", (1, 2, 8, 12)),
    ("nearest", "align_corners", "round_prefer_ceil", (1, 2, 7, 3)),
    ("nearest", "pytorch_half_pixel", "ceil", (1, 2, 1, 9)),
    ("nearest", "half_pixel", "round_prefer_ceil", (1, 2, 2, 3)),
    ("linear", "half_pixel", "round_prefer_floor", (1, 2, 9, 10)),
    ("linear", "align_corners", "round_prefer_floor", (1, 2, 7, 3)),
    ("linear", "asymmetric", "round_prefer_floor", (1, 2, 8, 12)),
    ("linear", "pytorch_half_pixel", "round_prefer_floor", (1, 2, 1, 9)),
    ("linear", "half_pixel_symmetric", "round_prefer_floor", (1, 2, 9, 7)),
    ("linear", "half_pixel", "round_prefer_floor", (1, 2, 4, 3, 6)),
]


@pytest.mark.parametrize("mode, coord, nearest, sizes", _RESIZE_CASES)
def test_resize_matches_onnxruntime(mode, coord, nearest, sizes):
    x = randn(*((1, 2, 4, 5) if len(sizes) == 4 else (1, 2, 3, 4, 3)))
    attrs = {"mode": mode, "coordinate_transformation_mode": coord, "nearest_mode": nearest}
    y = run1("Resize", [x], {**attrs, "sizes": sizes})
    ref = onnx_run1("Resize", [x, None, None, np.array(sizes, np.int64)], attrs, opset=19)
    close(y, ref, atol=1e-5)


def test_resize_with_scales_and_batch():
    x = randn(1, 2, 4, 5)
    scales = (1.0, 1.0, 2.0, 1.5)
    attrs = {
        "mode": "nearest",
        "coordinate_transformation_mode": "asymmetric",
        "nearest_mode": "floor",
    }
    y = run1("Resize", [x], {**attrs, "sizes": (1, 2, 8, 7), "scales": scales})
    ref = onnx_run1("Resize", [x, None, np.array(scales, np.float32)], attrs, opset=19)
    close(y, ref)
    batch_check("Resize", [x], {"mode": "linear", "sizes": (1, 2, 8, 10)})
    with pytest.raises(ShapeError, match="n0"):
        build("Resize", [x], {"sizes": (2, 8, 10)})


def test_cast():
    x = np.array([[-2.7, -0.5, 0.5, 2.7, 0.0]], np.float32)
    for to in ("int32", "int8", "uint8", "float16", "bool", "float64"):
        y = run1("Cast", [x if to != "uint8" else np.abs(x)], {"to": to})
        assert y.dtype == np.dtype(to)
    np.testing.assert_array_equal(run1("Cast", [x], {"to": "int32"}), [[-2, 0, 0, 2, 0]])
    np.testing.assert_array_equal(
        run1("Cast", [x], {"to": "bool"}), [[True, True, True, True, False]]
    )
    with pytest.raises(ShapeError, match="n0"):
        build("Cast", [x], {"to": "notatype"})


# ---- quantization -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32"])
def test_quantize_dequantize_per_tensor(dtype):
    x = randn(2, 3, 4) * 50
    x[0, 0, :4] = [0.5, 1.5, 2.5, -0.5]  # ties round to even
    scale = np.array(0.5, np.float32) if dtype != "int32" else np.array(0.001, np.float32)
    zp = np.array(3, dtype)
    q = run1("QuantizeLinear", [x, C(scale), C(zp)])
    assert q.dtype == np.dtype(dtype)
    d = run1("DequantizeLinear", [q, C(scale), C(zp)])
    close(d, onnx_run1("DequantizeLinear", [q, scale, zp], out_dtype=np.float32), atol=0, rtol=0)
    if dtype == "int32":  # ONNX QuantizeLinear has no int32 output
        info = np.iinfo(np.int32)
        # ONNX divides in the input's precision (float32), then rounds half to even
        ref = np.clip(np.rint(x / scale).astype(np.float64) + 3, info.min, info.max)
        np.testing.assert_array_equal(q, ref)
        return
    np.testing.assert_array_equal(q, onnx_run1("QuantizeLinear", [x, scale, zp], out_dtype=dtype))
    q2 = run1("QuantizeLinear", [x, C(scale)], {"dtype": dtype})
    assert q2.dtype == np.dtype(dtype)
    ref = onnx_run1(
        "QuantizeLinear",
        [x, scale],
        {"output_dtype": helper.np_dtype_to_tensor_dtype(np.dtype(dtype))},
        out_dtype=dtype,
    )
    np.testing.assert_array_equal(q2, ref)


def test_quantize_dequantize_per_axis_and_blocked():
    x = randn(2, 3, 8) * 10
    scale, zp = np.array([0.1, 0.2, 0.3], np.float32), np.array([-3, 0, 5], np.int8)
    q = run1("QuantizeLinear", [x, C(scale), C(zp)], {"axis": 1})
    np.testing.assert_array_equal(
        q, onnx_run1("QuantizeLinear", [x, scale, zp], {"axis": 1}, out_dtype=np.int8)
    )
    d = run1("DequantizeLinear", [q, C(scale), C(zp)], {"axis": 1})
    close(
        d,
        onnx_run1("DequantizeLinear", [q, scale, zp], {"axis": 1}, out_dtype=np.float32),
        atol=0,
        rtol=0,
    )
    bscale = np.abs(randn(2, 3, 3)) + 0.05
    bzp = RNG.integers(0, 20, (2, 3, 3)).astype(np.uint8)
    attrs = {"axis": -1, "block_size": 3}
    q = run1("QuantizeLinear", [x, C(bscale), C(bzp)], attrs)
    np.testing.assert_array_equal(
        q, onnx_run1("QuantizeLinear", [x, bscale, bzp], attrs, out_dtype=np.uint8)
    )
    d = run1("DequantizeLinear", [q, C(bscale), C(bzp)], attrs)
    close(
        d,
        onnx_run1("DequantizeLinear", [q, bscale, bzp], attrs, out_dtype=np.float32),
        atol=0,
        rtol=0,
    )
    batch_check("QuantizeLinear", [randn(1, 3, 8), C(scale), C(zp)], {"axis": 1})
    batch_check("QuantizeLinear", [randn(1, 3, 8), C(np.float32(0.1))])
    q8 = np.ones((2, 3), np.int8)
    g, node, _ = build("DequantizeLinear", [q8, C(np.array([0.5, 0.25], np.float32))], {"axis": 0})
    assert not get("DequantizeLinear").batch_safe(node)
    with pytest.raises(ShapeError, match="n0"):
        build("QuantizeLinear", [x, C(np.ones(4, np.float32))], {"axis": 1})
    with pytest.raises(ShapeError, match="n0"):
        build(
            "QuantizeLinear", [x, C(np.ones((2, 3, 2), np.float32))], {"axis": 2, "block_size": 3}
        )


def _qonnx_quant(x, scale, zeropt, bitwidth, signed, narrow, rounding):
    """Brevitas / qonnx IntQuant, written out for the test."""
    q = x.astype(np.float64) / scale + zeropt
    if signed:
        lo, hi = -(2 ** (bitwidth - 1)) + int(narrow), 2 ** (bitwidth - 1) - 1
    else:
        lo, hi = 0, 2**bitwidth - 1 - int(narrow)
    q = {"ROUND": np.round, "CEIL": np.ceil, "FLOOR": np.floor}[rounding](np.clip(q, lo, hi))
    return (q - zeropt) * scale


@pytest.mark.parametrize(
    "bitwidth, signed, narrow, rounding",
    [(8, 1, 0, "ROUND"), (4, 1, 1, "FLOOR"), (3, 0, 0, "CEIL"), (5, 0, 1, "ROUND")],
)
def test_qonnx_quant(bitwidth, signed, narrow, rounding):
    x = randn(2, 3, 4) * 4
    scale, zeropt = (
        np.array([[0.25], [0.5], [0.125]], np.float32),
        np.float32(0.0 if signed else 1.0),
    )
    attrs = {"signed": signed, "narrow": narrow, "rounding_mode": rounding}
    y = run1("Quant", [x, C(scale), C(zeropt), C(np.float32(bitwidth))], attrs)
    close(
        y,
        _qonnx_quant(x, scale.astype(np.float64), zeropt, bitwidth, signed, narrow, rounding),
        atol=1e-6,
    )
    np.testing.assert_array_equal(
        run1(
            "Quant",
            [
                np.array([[-1.0, -0.1, 0.0, 0.3]], np.float32),
                C(np.float32(2.0)),
                C(np.float32(0)),
                C(np.float32(1)),
            ],
        ),
        [[-2.0, -2.0, 2.0, 2.0]],
    )
    batch_check("Quant", [randn(1, 3, 4), C(scale), C(zeropt), C(np.float32(bitwidth))], attrs)
    with pytest.raises(ShapeError, match="n0"):
        build("Quant", [x, C(np.ones(5, np.float32)), C(zeropt), C(np.float32(4))])
    with pytest.raises(ShapeError, match="n0"):
        build("Quant", [x, C(scale), C(zeropt), C(np.float32(4))], {"rounding_mode": "STOCHASTIC"})


def test_qonnx_bipolar_and_trunc():
    x = np.array([[-1.5, -0.0, 0.0, 2.0]], np.float32)
    np.testing.assert_array_equal(
        run1("BipolarQuant", [x, C(np.float32(0.5))]), [[-0.5, 0.5, 0.5, 0.5]]
    )
    # 8-bit integers at scale 0.5 truncated to 4 bits: q / 16, rounded; y = q' * scale
    q = np.array([[-128, -17, -16, -1, 0, 7, 8, 24, 127]], np.float32)
    x = q * 0.5
    inputs = [x, C(np.float32(0.5)), C(np.float32(0)), C(np.float32(8)), C(np.float32(4))]
    expected = {
        "FLOOR": [-8, -2, -1, -1, 0, 0, 0, 1, 7],
        "CEIL": [-8, -1, -1, 0, 0, 1, 1, 2, 7],  # 127/16 = 7.9 is clamped to 7 first
        "ROUND": [-8, -1, -1, 0, 0, 0, 0, 2, 7],
    }
    for mode, ints in expected.items():
        y = run1("Trunc", inputs, {"rounding_mode": mode})
        np.testing.assert_array_equal(y, np.array([ints], np.float32) * 0.5, err_msg=mode)
    y = run1("Trunc", inputs, {"rounding_mode": "CEIL", "signed": 0})
    assert y.min() == 0.0
    batch_check("Trunc", [randn(1, 4)] + inputs[1:], {"rounding_mode": "ROUND"})
