"""The backward-data GEMMs of `estimate --train`: a Dense's dY·W, a convolution's transposed
convolution in stride phases. The phases, run as the GEMMs they name, give torch's input
gradient; their taps are exactly those that reach an input position of the phase."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fpgaforge.dataflow.backward_data import _axis_phases, backward_phases
from fpgaforge.ir.graph import Graph


def _conv_node(shape, cout, kernel, strides, pads, dilations=None):
    g = Graph("conv")
    x = g.add_input("x", shape)
    w = g.add_constant("w", np.zeros((cout, shape[1], *kernel), np.float32))
    attrs = {"strides": strides, "pads": pads}
    if dilations:
        attrs["dilations"] = dilations
    return g.add_node("Conv", [x, w], name="c", attrs=attrs)


def _out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad", "dilation"),
    [(8, 3, 1, 1, 1), (8, 3, 2, 1, 1), (7, 3, 2, 1, 1), (8, 1, 2, 0, 1), (9, 7, 2, 3, 1),
     (10, 3, 3, 0, 1), (9, 3, 1, 2, 2), (11, 3, 2, 2, 2), (5, 4, 4, 0, 1)],
)  # fmt: skip
def test_axis_phases_hold_the_taps_that_reach_each_position(size, kernel, stride, pad, dilation):
    """Per phase y mod s: its positions, and its taps = every tap that reaches some position
    of the phase from an output in range (a tap outside the range meets dY's zero padding)."""
    out = _out(size, kernel, stride, pad, dilation)
    reach = {
        y: {
            k
            for k in range(kernel)
            if (y + pad - k * dilation) % stride == 0
            and 0 <= (y + pad - k * dilation) // stride < out
        }
        for y in range(size)
    }
    phases = _axis_phases(size, kernel, stride, pad, dilation)
    want = []
    for r in range(min(stride, size)):
        taps = set().union(*(reach[y] for y in range(r, size, stride)))
        if taps:
            want.append((len(range(r, size, stride)), len(taps)))
    assert phases == want


@pytest.mark.parametrize(
    ("shape", "cout", "kernel", "strides", "pads"),
    [
        ((2, 4, 6, 6), 8, (3, 3), (1, 1), (1, 1, 1, 1)),
        ((2, 4, 6, 6), 8, (3, 3), (2, 2), (1, 1, 1, 1)),
        ((1, 4, 7, 5), 8, (3, 3), (2, 2), (1, 1, 1, 1)),
        ((2, 4, 6, 6), 8, (1, 1), (2, 2), (0, 0, 0, 0)),
        ((1, 3, 11, 11), 4, (7, 7), (2, 2), (3, 3, 3, 3)),
    ],
)
def test_phases_compute_the_input_gradient(shape, cout, kernel, strides, pads):
    """Each phase run as its GEMM (rows: the phase's input positions; reduction: its taps ×
    the output channels, dY zero outside its range; columns: the input channels) gives
    torch's input gradient, and has the rows and taps `backward_phases` counts."""
    rng = np.random.default_rng(0)
    node = _conv_node(shape, cout, kernel, strides, pads)
    n, cin, h, w = shape
    (sh, sw), (ph, pw) = strides, pads[:2]
    oh, ow = _out(h, kernel[0], sh, ph, 1), _out(w, kernel[1], sw, pw, 1)
    weight = rng.integers(-4, 5, (cout, cin, *kernel)).astype(np.float64)
    dy = rng.integers(-4, 5, (n, cout, oh, ow)).astype(np.float64)
    want = torch.nn.grad.conv2d_input(
        shape, torch.tensor(weight), torch.tensor(dy), stride=strides, padding=(ph, pw)
    ).numpy()
    got = np.zeros(shape)
    gemms = []
    for ry in range(sh):
        for rx in range(sw):
            ys, xs = np.arange(ry, h, sh), np.arange(rx, w, sw)
            taps = [
                (ky, kx)
                for ky in range(kernel[0])
                if (ry + ph - ky) % sh == 0
                for kx in range(kernel[1])
                if (rx + pw - kx) % sw == 0
            ]
            if not taps or not len(ys) or not len(xs):
                continue
            # the phase's GEMM: A [rows, taps·cout] (dY gathered), B [taps·cout, cin]
            a = np.zeros((n, len(ys), len(xs), len(taps), cout))
            for t, (ky, kx) in enumerate(taps):
                oy, ox = (ys + ph - ky) // sh, (xs + pw - kx) // sw
                vy, vx = (oy >= 0) & (oy < oh), (ox >= 0) & (ox < ow)
                block = dy[:, :, np.clip(oy, 0, oh - 1)][:, :, :, np.clip(ox, 0, ow - 1)]
                a[:, :, :, t] = (block * vy[:, None] * vx[None, :]).transpose(0, 2, 3, 1)
            b = np.stack([weight[:, :, ky, kx] for ky, kx in taps])  # taps, cout, cin
            rows = a.reshape(-1, len(taps) * cout)
            product = rows @ b.reshape(len(taps) * cout, cin)
            got[:, :, ys[:, None], xs[None, :]] = product.reshape(
                n, len(ys), len(xs), cin
            ).transpose(0, 3, 1, 2)
            gemms.append((rows.shape[0], len(taps)))
    np.testing.assert_array_equal(got, want)
    phases = backward_phases(node, n * oh * ow)
    assert [(p.rows, p.taps) for p in phases] == gemms


def test_stride_one_phase_is_the_forward_shape():
    """A stride-1 'same' convolution: one phase, all taps, as many rows as the forward."""
    node = _conv_node((1, 64, 56, 56), 64, (3, 3), (1, 1), (1, 1, 1, 1))
    (phase,) = backward_phases(node, 32 * 56 * 56)
    assert (phase.rows, phase.taps) == (32 * 56 * 56, 9)


def test_dense_is_one_gemm_of_its_rows():
    g = Graph("dense")
    x = g.add_input("x", (128, 768))
    w = g.add_constant("w", np.zeros((3072, 768), np.float32))
    node = g.add_node("Dense", [x, w], name="d")
    assert [(p.rows, p.taps) for p in backward_phases(node, 4096)] == [(4096, 1)]


def test_conv1d_and_dilation():
    """N-D kernels take the product of the axes' phases; a 1-D convolution has one axis."""
    node = _conv_node((1, 8, 16), 8, (3,), (2,), (1, 1))
    assert [(p.rows, p.taps) for p in backward_phases(node, 8)] == [(8, 1), (8, 2)]
    node = _conv_node((1, 8, 9, 9), 8, (3, 3), (1, 1), (2, 2, 2, 2), dilations=(2, 2))
    assert [(p.rows, p.taps) for p in backward_phases(node, 81)] == [(81, 9)]
