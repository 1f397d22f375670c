"""Per-kernel C++ unit tests: each kernel compiled with g++ against the ap_types headers and compared
with fpgaforge's integer semantics (`requantize`, `LookupTable.lookup`, op `compute_int`) or a numpy model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from fpgaforge.hls.tables import exp_table, softmax_reference
from fpgaforge.ir.ops import registry
from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.requant import requantize
from fpgaforge.numerics.types import Fixed, Int
from fpgaforge.quant.lut import LookupTable

pytestmark = pytest.mark.csim
RNG = np.random.default_rng(0)
ROUNDINGS = list(Rounding.__members__.values())
OVERFLOWS = list(Overflow.__members__.values())
ORDER_R = sorted(ROUNDING_CODES, key=ROUNDING_CODES.__getitem__)  # index = ff::Rounding code
ORDER_O = sorted(OVERFLOW_CODES, key=OVERFLOW_CODES.__getitem__)  # index = ff::Overflow code
TYPES = [Int(5, True), Int(5, False), Fixed(1, 1, True), Int(12, True)]


def test_requant_all_modes(kernel):
    rows, expected = [], []
    for r, rounding in enumerate(ORDER_R):
        for o, overflow in enumerate(ORDER_O):
            for t, out in enumerate(TYPES):
                acc = np.concatenate([RNG.integers(-(1 << 20), 1 << 20, 60), np.arange(-12, 13)])
                for shift, mult in ((0, 1), (3, 1), (5, 3), (-2, 7), (12, 22108), (1, -5), (9, 1)):
                    rows += [[r, o, t, int(a), mult, shift] for a in acc]
                    expected += requantize(acc, mult, shift, rounding, out, overflow).tolist()
    assert kernel("test_requant", rows) == expected


def conv_reference(x, w, b, strides, pads, dilations, group):
    """NCHW conv on integer codes (the Conv op's integer semantics)."""
    n, c, h, wd = x.shape
    m, cpg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (h + pads[0] + pads[2] - ((kh - 1) * dilations[0] + 1)) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - ((kw - 1) * dilations[1] + 1)) // strides[1] + 1
    y = np.zeros((n, m, oh, ow), dtype=np.int64)
    for mm in range(m):
        g = mm // (m // group)
        for i in range(oh):
            for j in range(ow):
                patch = xp[
                    0,
                    g * cpg : (g + 1) * cpg,
                    i * strides[0] : i * strides[0] + (kh - 1) * dilations[0] + 1 : dilations[0],
                    j * strides[1] : j * strides[1] + (kw - 1) * dilations[1] + 1 : dilations[1],
                ]
                y[0, mm, i, j] = (patch * w[mm]).sum() + b[mm]
    return y


def hwc(a):
    return a[0].transpose(1, 2, 0).ravel().tolist()


def test_dense(kernel):
    x, w, b = (
        RNG.integers(-128, 128, (2, 6)),
        RNG.integers(-32, 32, (4, 6)),
        RNG.integers(-1000, 1000, 4),
    )
    y = (x @ w.T + b).ravel().tolist()
    assert kernel("test_dense", [*x.ravel(), *w.ravel(), *b]) == y + y


def test_sparse_dense(kernel):
    """2:4 from compressed values and indices, as `nm.sparse_matmul` computes it."""
    from fpgaforge.numerics import nm

    pattern = nm.NMPattern(2, 4)
    x = RNG.integers(-128, 128, (2, 8))
    w = nm.prune(RNG.integers(-128, 128, (4, 8)), pattern, axis=1)
    w[0, :4] = [0, 0, 0, 5]  # a group with one non-zero: padded with a zero value
    b = RNG.integers(-1000, 1000, 4)
    values, indices = nm.compress(w, pattern, axis=1)
    y = (nm.sparse_matmul(x, values, indices, pattern) + b).ravel().tolist()
    assert y == (x @ w.T + b).ravel().tolist()
    assert kernel("test_sparse_dense", [*x.ravel(), *values.ravel(), *indices.ravel(), *b]) == y + y


def test_conv2d(kernel):
    x, w, b = (
        RNG.integers(-32, 32, (1, 4, 5, 6)),
        RNG.integers(-16, 16, (4, 2, 3, 3)),
        RNG.integers(-500, 500, 4),
    )
    y = conv_reference(x, w, b, (2, 1), (1, 0, 1, 2), (1, 2), 2)
    assert kernel("test_conv2d", [*hwc(x), *w.ravel(), *b]) == hwc(y)


def test_depthwise(kernel):
    x, w, b = (
        RNG.integers(0, 32, (1, 3, 5, 5)),
        RNG.integers(-16, 16, (6, 1, 3, 3)),
        RNG.integers(-500, 500, 6),
    )
    y = conv_reference(x, w, b, (1, 1), (1, 1, 1, 1), (1, 1), 3)
    assert kernel("test_depthwise", [*hwc(x), *w.ravel(), *b]) == hwc(y)


def test_pool(kernel):
    x = RNG.integers(-32, 32, (1, 3, 5, 5))
    xp_max = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-1000)
    xp_sum = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    mx = np.array(
        [
            [
                [
                    [xp_max[0, c, i * 2 : i * 2 + 3, j * 2 : j * 2 + 3].max() for j in range(3)]
                    for i in range(3)
                ]
                for c in range(3)
            ]
        ]
    )
    sm = np.array(
        [
            [
                [
                    [xp_sum[0, c, i * 2 : i * 2 + 3, j * 2 : j * 2 + 3].sum() for j in range(3)]
                    for i in range(3)
                ]
                for c in range(3)
            ]
        ]
    )
    expected = (
        hwc(mx)
        + hwc(sm)
        + x.max(axis=(2, 3)).ravel().tolist()
        + x.sum(axis=(2, 3)).ravel().tolist()
    )
    assert kernel("test_pool", hwc(x)) == expected


def test_eltwise(kernel):
    a, b = RNG.integers(-64, 64, 16), RNG.integers(0, 64, 16)
    s, c = RNG.integers(-16, 16, 4), RNG.integers(-2000, 2000, 4)
    ch = (np.arange(16) // 2) % 4
    expected = [
        *(a + b),
        *(a - b),
        *(a * b),
        *np.maximum(a, b),
        *np.minimum(a, b),
        *(a * s[ch] + c[ch]),
    ]
    assert kernel("test_eltwise", [*a, *b, *s, *c]) == [int(v) for v in expected]


def test_activation(kernel):
    x = RNG.integers(-64, 64, 32)
    table = LookupTable(-64, 3, RNG.integers(-128, 128, 16))
    expected = [*np.maximum(x, 0), *np.clip(x, -5, 9), *table.lookup(x)]
    assert kernel("test_activation", [*x, *table.values]) == [int(v) for v in expected]


def test_movement(kernel):
    x, idx = RNG.integers(-128, 128, 12), np.array([3, -1, 0, 11, 5, 5, -1, 2, 7, 1])
    a, b = RNG.integers(-128, 128, 3), RNG.integers(0, 16, 4)
    expected = [*np.where(idx < 0, 7, x[idx]), *a, *b, *x, *x]
    assert kernel("test_movement", [*x, *idx, *a, *b]) == [int(v) for v in expected]


def test_tiled_gemm(kernel):
    xd, wd, bd = (
        RNG.integers(-128, 128, (2, 6)),
        RNG.integers(-128, 128, (5, 6)),
        RNG.integers(-999, 999, 5),
    )
    xc, wc, bc = (
        RNG.integers(-128, 128, (1, 2, 4, 4)),
        RNG.integers(-128, 128, (3, 2, 3, 3)),
        RNG.integers(-999, 999, 3),
    )
    expected = (xd @ wd.T + bd).ravel().tolist() + hwc(
        conv_reference(xc, wc, bc, (1, 1), (1, 1, 1, 1), (1, 1), 1)
    )
    assert (
        kernel("test_tiled_gemm", [*xd.ravel(), *wd.ravel(), *bd, *hwc(xc), *wc.ravel(), *bc])
        == expected
    )


def test_softmax(kernel):
    table = exp_table(64, lsb=2.0**-3, exp_frac=12)
    x = RNG.integers(-128, 128, (3, 5))
    x[0] = [5, 5, 5, 5, 5]
    expected = softmax_reference(x, table, out_frac=8)
    assert kernel("test_softmax", [*table, *x.ravel()]) == expected.ravel().tolist()
    real = expected / 256.0
    ref = np.exp((x - x.max(axis=1, keepdims=True)) * 2.0**-3)
    assert np.allclose(real, ref / ref.sum(axis=1, keepdims=True), atol=0.02)


def test_layernorm(kernel):
    """layernorm.h against the integer LayerNorm (`table_int.layernorm_codes`): rows whose
    variance index needs no shift, large shifts, a constant row and a one-hot row."""
    from fpgaforge.ir.ops.table_int import layernorm_codes
    from fpgaforge.quant.lower.layernorm import rsqrt_table

    table = LookupTable(0, 0, rsqrt_table(10, 16))
    gamma = RNG.integers(-(1 << 15), 1 << 15, 16)
    beta = RNG.integers(-(1 << 28), 1 << 28, 16)
    x = RNG.integers(-128, 128, (6, 16))
    x[1] = RNG.integers(-2, 3, 16)  # small variance: the index needs no shift
    x[2] = 5  # constant row: only epsilon remains
    x[3] = 0
    x[3, 7] = 127
    x[4] = np.where(np.arange(16) % 2, -128, 127)
    expected = layernorm_codes(x, 1, gamma, beta, table, 37, 16, 10)
    numbers = [*table.values, *gamma, *beta, *x.ravel()]
    assert kernel("test_layernorm", numbers) == expected.ravel().tolist()
    std = np.sqrt(x.var(axis=1, keepdims=True) + 37 / 256)  # eps 37/16² in code units
    real = (expected - beta) / gamma / 2.0**10
    assert np.allclose(real, (x - x.mean(axis=1, keepdims=True)) / std, atol=0.01)


def test_table_kernels_match_integer_semantics(kernel):
    """softmax.h (with a bucketing shift), lrn.h and avg_pool2d against the ops' compute_int."""
    from fpgaforge.ir.graph import Graph
    from fpgaforge.ir.ops.table_int import lrn_codes, softmax_codes

    soft = LookupTable(0, 3, np.round(np.exp(-np.arange(32) * 8 * 0.05) * 2**16).astype(np.int64))
    xs = RNG.integers(-128, 128, (4, 10))
    xs[0] = 7
    lrn = LookupTable(0, 10, RNG.integers(1 << 10, 1 << 16, 64))
    xl = RNG.integers(-128, 128, (1, 6, 2, 2))
    recip = [0] + [((1 << 14) + k // 2) // k for k in range(1, 10)]
    xp = RNG.integers(-32, 32, (1, 3, 5, 5))
    graph = Graph("pool")
    inp = graph.add_input("x", xp.shape, np.float32)
    attrs = {"kind": "avg", "kernel": (3, 3), "strides": (2, 2), "pads": (1, 1, 1, 1)}
    node = graph.add_node("Pool", [inp], attrs=attrs)
    node.quant = dataclasses.replace(node.quant, table=LookupTable(0, 0, np.asarray(recip)))
    pooled = registry.get("Pool").compute_int(node, xp)[0]
    expected = (
        softmax_codes(xs, 1, soft, 20).ravel().tolist() + hwc(lrn_codes(xl, 3, lrn)) + hwc(pooled)
    )
    numbers = [*soft.values, *xs.ravel(), *lrn.values, *hwc(xl), *recip, *hwc(xp)]
    assert kernel("test_rowwise", numbers) == expected
    assert expected[:10] == [(1 << 20) // 10] * 10  # equal codes share the row evenly


def test_act_matmul(kernel):
    """act_matmul.h on channel-last rank-4 operands against numpy.matmul (the MatMul op's
    integer semantics), with the base tables of the kit's HLS lowering."""
    from fpgaforge.units import layout
    from fpgaforge.units.act_matmul.geometry import operand_bases

    a = RNG.integers(-128, 128, (1, 2, 3, 4))
    b = RNG.integers(0, 256, (1, 2, 4, 5))
    a_base, a_step, b_base, b_step = operand_bases(a.shape, b.shape, (1, 2, 3, 5))
    assert (a_step, b_step) == (2, 10)  # the strides act_matmul.h's config is compiled with

    def stream(x):
        return x.reshape(-1)[layout.order(x.shape)].tolist()

    numbers = [*a_base, *b_base, *stream(a), *stream(b)]
    assert kernel("test_act_matmul", numbers) == stream(np.matmul(a, b))
