"""Conv and DepthwiseConv (ONNX Conv, spatial rank 1-3)."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.codes import widen
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import intmac
from fpgaforge.ir.ops.registry import OpDef, TensorType, Trait, register
from fpgaforge.ir.ops.window import spatial_params, windows

__all__ = ["Conv", "DepthwiseConv", "conv", "spatial_params", "windows"]


def _conv_out_shape(node: Node) -> tuple[int, ...]:
    x, w = node.inputs[0], node.inputs[1]
    assert x is not None and w is not None
    rank = x.rank - 2
    if rank < 1 or rank > 3:
        raise OpDef.fail(
            node, f"input {x.name!r} must be N×C×spatial with 1-3 spatial axes, got shape {x.shape}"
        )
    if w.rank != x.rank:
        raise OpDef.fail(node, f"weight {w.name!r} has shape {w.shape}, expected rank {x.rank}")
    group = int(node.attrs["group"])
    channels, out_channels = x.shape[1], w.shape[0]
    if group < 1 or channels % group or out_channels % group or w.shape[1] * group != channels:
        raise OpDef.fail(
            node,
            f"input has {channels} channels but weight {w.name!r} {w.shape} with group {group} "
            f"expects {w.shape[1] * group}",
        )
    kernel = w.shape[2:]
    strides, pads, dilations = spatial_params(node, rank, kernel)
    out = []
    for i in range(rank):
        span = x.shape[2 + i] + pads[i] + pads[rank + i] - dilations[i] * (kernel[i] - 1) - 1
        if span < 0:
            raise OpDef.fail(
                node, f"kernel {tuple(kernel)} does not fit the padded input {x.shape}"
            )
        out.append(span // strides[i] + 1)
    bias = node.input(2)
    if bias is not None and bias.shape != (out_channels,):
        raise OpDef.fail(
            node, f"bias {bias.name!r} has shape {bias.shape}, expected ({out_channels},)"
        )
    return (x.shape[0], out_channels, *out)


def conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, node: Node) -> np.ndarray:
    """ONNX Conv in numpy: im2col from window views and one matrix product per group;
    depthwise convolutions loop over kernel taps instead (vectorized over channels)."""
    rank = x.ndim - 2
    kernel = w.shape[2:]
    strides, pads, dilations = spatial_params(node, rank, kernel)
    group = int(node.attrs["group"])
    dtype = np.result_type(x.dtype, w.dtype)
    if any(pads):
        x = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[rank + i]) for i in range(rank)])
    out = tuple(
        (x.shape[2 + i] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1 for i in range(rank)
    )
    view = windows(x, kernel, strides, dilations, out)  # N, C, *out, *k
    n, c = x.shape[:2]
    m = w.shape[0]
    cg, mg = c // group, m // group
    taps = int(np.prod(kernel))
    pixels = int(np.prod(out))
    if cg == 1 and taps <= 64 and group > 1:
        # depthwise: loop over kernel taps, vectorized over channels and pixels
        wg = w.reshape(group, mg, taps).astype(dtype, copy=False)
        y = np.zeros((n, group, mg) + out, dtype=dtype)
        for t, tap in enumerate(np.ndindex(*kernel)):
            xs = view[(Ellipsis, *tap)][:, :, None]  # N, C, 1, *out
            y += xs * wg[:, :, t].reshape((1, group, mg) + (1,) * rank)
        y = y.reshape((n, m) + out)
    else:
        # im2col with the samples side by side: one GEMM per group over n · pixels columns
        # (a batched matmul over samples runs the same products 2-3x slower)
        axes = (1,) + tuple(range(2 + rank, 2 + 2 * rank)) + (0,) + tuple(range(2, 2 + rank))
        cols = view.transpose(axes).reshape(group, cg * taps, n * pixels)  # copies (im2col)
        wg = w.reshape(group, mg, cg * taps)
        if group == 1:
            y = (wg[0] @ cols[0])[None]
        else:
            y = np.matmul(wg, cols)
        y = np.ascontiguousarray(y.reshape((m, n) + out).swapaxes(0, 1))
    if b is not None:
        y += b.reshape((m,) + (1,) * rank).astype(dtype, copy=False)
    return y.astype(dtype, copy=False)


class _ConvBase(OpDef):
    integer_exact = True
    traits = frozenset({Trait.WEIGHTED, Trait.CONTRACTING, Trait.ACCUMULATING, Trait.WINDOWED})
    attrs = {"strides": None, "pads": None, "dilations": None, "group": 1}
    min_inputs, max_inputs = 2, 3
    narrow_codes = True

    def infer(self, node: Node) -> list[TensorType]:
        x, w = node.inputs[0], node.inputs[1]
        assert x is not None and w is not None
        return [(_conv_out_shape(node), np.result_type(x.dtype, w.dtype))]

    def compute(self, node: Node, x, w, b=None) -> list[np.ndarray]:
        return [conv(x, w, b, node)]

    def compute_int(self, node: Node, x, w, b=None) -> list[np.ndarray]:
        fast = intmac.conv(node, x, w, b)
        return [fast] if fast is not None else self.compute(node, widen(x), w, b)

    def macs(self, node: Node) -> int:
        w = node.inputs[1]
        assert w is not None
        per_output = w.shape[1] * int(np.prod(w.shape[2:], dtype=np.int64))
        return node.outputs[0].size * per_output


@register
class Conv(_ConvBase):
    name = "Conv"
    doc = "ONNX Conv over 1-3 spatial axes: x[N,C,*S], weight[M,C/group,*k], bias[M]?."


@register
class DepthwiseConv(_ConvBase):
    name = "DepthwiseConv"
    doc = "Conv with group == C (each channel convolved with its own filters)."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        if x.rank >= 2 and int(node.attrs["group"]) != x.shape[1]:
            raise self.fail(
                node,
                f"depthwise convolution needs group == channels ({x.shape[1]}), got {node.attrs['group']}",
            )
        return super().infer(node)
