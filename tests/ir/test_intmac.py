"""The fast integer multiply-accumulate (float BLAS where provably exact) against the
int64 reference path, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.ir.executor import execute
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import get, intmac
from fpgaforge.ir.ops.intmac import int64_reference
from fpgaforge.ir.value import Value, constant
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.requant import _common_shift
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed, Int

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.mark.parametrize("spec", ["int8", "int4", "fixed:8,3", "fixed:16,6"])
@pytest.mark.parametrize("model", ["digits_mlp", "digits_cnn", "digits_rescnn"])
def test_bundled_models_match_the_int64_path(model, spec):
    graph = fpgaforge.load(MODELS / f"{model}.onnx")
    x = np.load(MODELS / f"{model}_test.npz")["x"]
    q = fpgaforge.quantize(graph, spec, {"x": x})
    names = [v.name for n in q.nodes for v in n.outputs]
    fast_stats: dict[str, OverflowStats] = {}
    ref_stats: dict[str, OverflowStats] = {}
    fast = execute(q, {"x": x}, outputs=names, as_codes=True, overflow=fast_stats)
    with int64_reference():
        ref = execute(q, {"x": x}, outputs=names, as_codes=True, overflow=ref_stats)
    for name in names:
        assert fast[name].dtype == ref[name].dtype, name
        np.testing.assert_array_equal(fast[name], ref[name], err_msg=name)
    assert fast_stats == ref_stats
    # the float path did run on every multiply-accumulate layer
    for node in q.nodes:
        if node.op in ("Conv", "DepthwiseConv", "Dense"):
            assert intmac._PLANS[node].dtype is not None, node.name
    # and the float results are untouched by it
    real = execute(q, {"x": x})
    with int64_reference():
        real_ref = execute(q, {"x": x})
    for name, array in real.items():
        np.testing.assert_array_equal(array, real_ref[name])


def _node(op, x_type, x_shape, w, b=None, attrs=None):
    acc = Int(64)
    x = Value("x", x_shape, x_type)
    wv = constant("w", w)
    wv.dtype = Int(32)
    inputs = [x, wv]
    if b is not None:
        bv = constant("b", b)
        bv.dtype = acc
        inputs.append(bv)
    node = Node(op=op, name="n", inputs=inputs, outputs=[], attrs=attrs or {})
    shape, _ = get(op).infer(_float(node))[0]
    node.outputs = [Value("y", shape, acc, producer=node)]
    return node


def _float(node: Node) -> Node:
    """The node as the shape rules see it (float dtypes)."""

    def f(v):
        return Value(v.name, v.shape, np.dtype(np.float32), v.const) if v is not None else None

    return Node(node.op, node.name, [f(v) for v in node.inputs], [], dict(node.attrs))


def _both(node: Node, *arrays):
    definition = get(node.op)
    fast = definition.compute_int(node, *arrays)[0]
    with int64_reference():
        ref = definition.compute_int(node, *arrays)[0]
    # the reference gives int64 codes; the fast path the narrowest dtype holding its bound
    assert ref.dtype == np.int64 and fast.dtype.kind == "i"
    np.testing.assert_array_equal(fast, ref)
    return fast


def _codes(rng, t, shape):
    return rng.integers(t.min_code, t.max_code + 1, size=shape, dtype=np.int64)


@pytest.mark.parametrize(
    ("xshape", "wshape", "attrs"),
    [
        ((3, 4, 9, 7), (6, 2, 3, 3), {"group": 2, "pads": (1, 0, 2, 1), "strides": (2, 1)}),
        ((2, 6, 8, 8), (12, 1, 3, 3), {"group": 6, "pads": (1, 1, 1, 1), "dilations": (2, 2)}),
        ((2, 3, 11), (5, 3, 4), {"group": 1, "strides": (3,)}),
        ((2, 2, 5, 4, 6), (4, 2, 2, 3, 2), {"group": 1, "pads": (0, 1, 1, 1, 0, 0)}),
        ((4, 16, 6, 6), (16, 1, 3, 3), {"group": 16, "pads": (1, 1, 1, 1)}),
        ((1, 8, 5, 6), (4, 8, 1, 1), {"group": 1}),
        ((1, 8, 5, 6), (6, 4, 1, 1), {"group": 2, "pads": (1, 0, 0, 2)}),
        ((1, 8, 5, 6), (4, 8, 1, 1), {"group": 1, "strides": (2, 1)}),
    ],
)
def test_grouped_and_depthwise_conv_match(xshape, wshape, attrs):
    rng = np.random.default_rng(0)
    full = {"strides": None, "pads": None, "dilations": None, "group": 1} | attrs
    xt = Fixed(8, 3, signed=False)
    w = rng.integers(-128, 128, size=wshape)
    b = rng.integers(-(1 << 20), 1 << 20, size=wshape[0])
    op = "DepthwiseConv" if wshape[1] == 1 and full["group"] == xshape[1] else "Conv"
    node = _node(op, xt, xshape, w, b, full)
    _both(node, _codes(rng, xt, xshape), node.inputs[1].const, node.inputs[2].const)
    assert intmac._PLANS[node].dtype == np.float32


def test_dense_chooses_float32_float64_or_int64_from_the_bound():
    rng = np.random.default_rng(1)
    cases = [(Int(8), 127, 64, np.float32), (Int(16), 1 << 14, 256, np.float64)]
    for xt, wmax, k, want in cases:
        w = rng.integers(-wmax, wmax + 1, size=(5, k))
        node = _node("Dense", xt, (7, k), w, rng.integers(-1000, 1000, size=5))
        _both(node, _codes(rng, xt, (7, k)), node.inputs[1].const, node.inputs[2].const)
        assert intmac._PLANS[node].dtype == want
    # 24-bit codes × 24-bit weights over 1024 terms: up to 2**56, beyond float64's 2**53
    xt = Int(24)
    k = 1024
    w = np.full((3, k), xt.max_code)
    w[1] = xt.min_code + 1
    w[0, 0] = 1  # an odd low bit under a sum of 2**56
    node = _node("Dense", xt, (2, k), w)
    x = np.full((2, k), xt.max_code, dtype=np.int64)
    x[1, ::2] = xt.min_code
    y = _both(node, x, node.inputs[1].const)
    assert intmac._PLANS[node].dtype is None
    exact = np.array(x.astype(object) @ w.astype(object).T, dtype=np.int64)
    np.testing.assert_array_equal(y, exact)
    assert abs(int(exact[0, 0])) > 1 << 53
    # float64 would have rounded it
    rounded = np.matmul(x.astype(np.float64), w.T.astype(np.float64)).astype(np.int64)
    assert not np.array_equal(rounded, exact)


def test_conv_with_a_long_reduction_falls_back_to_int64():
    rng = np.random.default_rng(2)
    xt = Int(32)
    w = rng.integers(-(1 << 20), 1 << 20, size=(4, 64, 3, 3))
    attrs = {"strides": None, "pads": None, "dilations": None, "group": 1}
    node = _node("Conv", xt, (2, 64, 5, 5), w, None, attrs)
    x = rng.integers(-(1 << 24), 1 << 24, size=(2, 64, 5, 5))
    _both(node, x, node.inputs[1].const)
    assert intmac._PLANS[node].dtype is None


def test_matmul_of_two_activations_matches():
    rng = np.random.default_rng(3)
    for at, bt, want in ((Int(8), Int(8), np.float32), (Int(20), Int(20), np.float64)):
        a, b = Value("a", (3, 4, 40), at), Value("b", (3, 40, 6), bt)
        node = Node("MatMul", "mm", [a, b], [Value("y", (3, 4, 6), Int(64))])
        _both(node, _codes(rng, at, a.shape), _codes(rng, bt, b.shape))
        assert intmac._PLANS[node].dtype == want


def test_codes_outside_their_type_take_the_int64_path():
    rng = np.random.default_rng(4)
    xt = Int(4)
    w = rng.integers(-(1 << 20), 1 << 20, size=(3, 200))
    node = _node("Dense", xt, (2, 200), w)
    x = rng.integers(-(1 << 30), 1 << 30, size=(2, 200))  # not Int(4) codes
    y = _both(node, x, node.inputs[1].const)
    np.testing.assert_array_equal(y, np.array(x.astype(object) @ w.astype(object).T))


def test_codes_outside_an_unsigned_type_take_the_int64_path():
    rng = np.random.default_rng(6)
    xt = Int(8, signed=False)
    w = rng.integers(0, 128, size=(3, 40))  # monotone weights: the one-product plan
    node = _node("Dense", xt, (3, 40), w)
    for bad in (-1, 256, 1 << 40):
        x = _codes(rng, xt, (3, 40))
        x[1, 7] = bad
        y = _both(node, x, node.inputs[1].const)
        np.testing.assert_array_equal(y, np.array(x.astype(object) @ w.astype(object).T))


def test_the_cache_follows_new_weights_and_types():
    rng = np.random.default_rng(5)
    xt = Int(8)
    node = _node("Dense", xt, (4, 16), rng.integers(-127, 128, size=(3, 16)))
    x = _codes(rng, xt, (4, 16))
    first = _both(node, x, node.inputs[1].const)
    new_w = constant("w2", rng.integers(-127, 128, size=(3, 16)))
    new_w.dtype = Int(8)
    node.inputs[1] = new_w
    second = _both(node, x, new_w.const)
    np.testing.assert_array_equal(second, x @ new_w.const.T)
    assert not np.array_equal(first, second)
    # a wider input type needs float64
    node.inputs[0] = Value("x", (4, 16), Int(30))
    wide = _codes(rng, Int(30), (4, 16))
    _both(node, wide, new_w.const)
    assert intmac._PLANS[node].dtype == np.float64


@pytest.mark.parametrize(
    ("overflow", "rounding", "shifts"),
    [
        (Overflow.SAT, Rounding.RND_CONV, (20, 21, 0, -2, 25)),
        (Overflow.WRAP, Rounding.RND_CONV, (20, 21, 0, -2, 25)),
        (Overflow.SAT_SYM, Rounding.RND_CONV, (20, 21, 0, -2, 25)),
        # right shifts only: one common shift, the multipliers scaled up to it
        (Overflow.SAT, Rounding.RND, (20, 21, 12, 18, 25)),
        (Overflow.WRAP, Rounding.TRN, (20, 21, 12, 18, 25)),
        (Overflow.SAT_SYM, Rounding.RND_CONV, (20, 21, 12, 18, 25)),
        (Overflow.SAT, Rounding.RND_ZERO, (20, 21, 12, 18, 25)),
    ],
)
def test_per_channel_requant_matches_the_channel_loop(overflow, rounding, shifts):
    rng = np.random.default_rng(6)
    channels = 5
    acc = Value("acc", (70, channels, 9, 9), Int(24))
    out = Int(6)
    attrs = {
        "to": out,
        "multiplier": tuple(int(m) for m in rng.integers(1 << 14, 1 << 15, size=channels)),
        "shift": shifts,
        "axis": 1,
        "rounding": rounding,
        "overflow": overflow,
    }
    node = Node("Requant", "rq", [acc], [Value("y", acc.shape, out)], attrs)
    codes = _codes(rng, Int(24), acc.shape)
    fast, ref = OverflowStats(), OverflowStats()
    from fpgaforge.ir.context import CURRENT_OVERFLOW

    token = CURRENT_OVERFLOW.set(fast)
    try:
        y = get("Requant").compute_int(node, codes)[0]
        with int64_reference():
            CURRENT_OVERFLOW.set(ref)
            y_ref = get("Requant").compute_int(node, codes)[0]
    finally:
        CURRENT_OVERFLOW.reset(token)
    np.testing.assert_array_equal(y, y_ref)
    assert fast == ref and fast.count > 0
    common = _common_shift(attrs["multiplier"], shifts)
    assert (common is not None) == (min(shifts) >= 1)


def test_float32_pieces_summed_in_float64():
    # 2048 terms of 127 × -128: about 2·2**24, so two float32 partial sums
    xt = Int(8)
    node = _node("Dense", xt, (3, 2048), np.full((4, 2048), 127))
    x = np.full((3, 2048), -128, dtype=np.int64)
    x[1] = 127
    y = _both(node, x, node.inputs[1].const)
    plan = intmac._PLANS[node]
    assert plan.dtype == np.float32 and len(plan.pieces) == 2
    assert y[0, 0] == -128 * 127 * 2048
    # a convolution and a depthwise one (8×8 taps of 13-bit codes) take pieces too
    rng = np.random.default_rng(7)
    attrs = {"strides": None, "pads": (1, 1, 1, 1), "dilations": None, "group": 1}
    conv = _node("Conv", xt, (2, 256, 4, 4), np.full((3, 256, 3, 3), -127), None, attrs)
    _both(conv, _codes(rng, xt, (2, 256, 4, 4)), conv.inputs[1].const)
    assert len(intmac._PLANS[conv].pieces) > 1
    wide = Int(13)
    attrs = {"strides": None, "pads": None, "dilations": None, "group": 4}
    dw = _node("DepthwiseConv", wide, (2, 4, 9, 9), np.full((4, 1, 8, 8), 127), None, attrs)
    x = np.full((2, 4, 9, 9), wide.max_code, dtype=np.int64)
    _both(dw, x, dw.inputs[1].const)
    assert len(intmac._PLANS[dw].pieces) == 2


def test_non_negative_activations_take_the_plan_of_the_larger_signed_sum():
    # alternating ±127 over 2048 terms: the L1 bound needs two float32 pieces, but with
    # activations >= 0 every partial sum lies within ±1024·127·128 < 2**24: one piece
    xt = Int(8)
    w = np.tile([127, -127], (4, 1024))
    w[1] = np.repeat([127, -127], 1024)  # a row whose partial sums climb before they fall
    node = _node("Dense", xt, (3, 2048), w)
    x = np.full((3, 2048), 127, dtype=np.int64)
    x[1, ::3] = 0
    y = _both(node, x, node.inputs[1].const)
    plan = intmac._PLANS[node]
    assert len(plan.pieces) == 2 and plan.nonneg is not None and len(plan.nonneg.pieces) == 1
    assert y[0, 1] == 0
    # a negative code takes the signed plan, still exact
    x[2, 5] = -128
    _both(node, x, node.inputs[1].const)
    # and so do convolutions after a ReLU (unsigned codes)
    ut = Int(8, signed=False)
    rng = np.random.default_rng(3)
    attrs = {"strides": None, "pads": (1, 1, 1, 1), "dilations": None, "group": 1}
    wc = rng.choice([-127, 127], size=(5, 300, 3, 3))
    conv = _node("Conv", ut, (2, 300, 5, 5), wc, None, attrs)
    _both(conv, _codes(rng, ut, (2, 300, 5, 5)), conv.inputs[1].const)
    cplan = intmac._PLANS[conv]
    # six float32 pieces (over MAX_PIECES): float64; with codes >= 0, three float32 pieces
    assert cplan.dtype == np.float64 and len(cplan.pieces) == 1
    assert cplan.nonneg is not None and cplan.nonneg.dtype == np.float32
    assert len(cplan.nonneg.pieces) == 3


def test_non_negative_products_take_one_float32_product_when_its_sums_stay_exact():
    # weights and activations >= 0: every partial sum lies between 0 and the final sum, so
    # one float32 product whose results stay below 2**24 is exact in any summation order
    ut = Int(8, signed=False)
    w = np.full((4, 2048), 127)
    w[2, ::5] = 0
    node = _node("Dense", ut, (3, 2048), w)
    small = np.random.default_rng(5).integers(0, 4, size=(3, 2048), dtype=np.int64)
    _both(node, small, node.inputs[1].const)
    plan = intmac._PLANS[node]
    assert plan.dtype == np.float32 and len(plan.pieces) > 1 and plan.monotone
    # sums of 2048 · 127 · 255 reach 2**24: the check fails, the pieces give the exact sums
    # and the layer stops trying the one product
    full = np.full((3, 2048), 255, dtype=np.int64)
    y = _both(node, full, node.inputs[1].const)
    assert y[0, 0] == 2048 * 127 * 255 and not plan.monotone
    # a negative weight: no shortcut
    w[1, 7] = -1
    mixed = _node("Dense", ut, (3, 2048), w)
    _both(mixed, small, mixed.inputs[1].const)
    assert not intmac._PLANS[mixed].monotone
