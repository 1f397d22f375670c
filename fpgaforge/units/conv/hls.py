"""HLS kernel call of the sliding-window convolution (`conv2d.h` on `linebuffer.h`).

`window` is the line-buffer geometry every windowed kernel shares (conv2d, depthwise2d,
pool2d); `operands` reads a Conv node once for this kit and for the tiled GEMM engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.units.hls_call import (
    HlsContext,
    Stage,
    Table,
    bias_table,
    largest_divisor,
    lower_fused,
)


def window(
    ctx: HlsContext,
    node: Node,
    x: Value,
    out: Value,
    kernel: tuple[int, ...],
    strides,
    pads,
    dilations,
) -> dict[str, int]:
    """The window config (input, padding, effective kernel, strides, output) of a 2-D window."""
    if x.rank != 4 or len(kernel) != 2:
        raise ctx.fail(node, "only 2-D windows (rank-4 NCHW tensors) are supported")
    _, c, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    ekh, ekw = (kernel[0] - 1) * dilations[0] + 1, (kernel[1] - 1) * dilations[1] + 1
    pt, pl = pads[0], pads[1]
    hp = max(h + pt + pads[2], (oh - 1) * strides[0] + ekh)
    wp = max(w + pl + pads[3], (ow - 1) * strides[1] + ekw)
    return {
        "C": c,
        "H": h,
        "W": w,
        "PT": pt,
        "PL": pl,
        "HP": hp,
        "WP": wp,
        "EKH": ekh,
        "EKW": ekw,
        "SH": strides[0],
        "SW": strides[1],
        "OH": oh,
        "OW": ow,
        "KH": kernel[0],
        "KW": kernel[1],
        "DH": dilations[0],
        "DW": dilations[1],
    }


@dataclass(frozen=True)
class ConvOperands:
    """A Conv node's operands, kernel types and the config both conv kernels share."""

    x: Value
    w: Value
    out: Value
    weight: np.ndarray  # M × CPG × KH × KW
    bias: Table
    types: dict[str, str]
    consts: dict[str, int]


def operands(ctx: HlsContext, node: Node) -> ConvOperands:
    x, w, out = node.inputs[0], node.inputs[1], node.outputs[0]
    if w is None or not w.is_constant:
        raise ctx.fail(node, "the weight must be a constant")
    weight = np.asarray(w.const)
    m, cpg, kh, kw = weight.shape
    a = node.attrs
    win = window(ctx, node, x, out, (kh, kw), a["strides"], a["pads"], a["dilations"])
    group = int(a.get("group", 1))
    bias = bias_table(ctx, node, 2, m, out)
    types = {
        "in_t": ctx.ctype(x),
        "weight_t": ctx.ctype(w),
        "bias_t": bias.ctype,
        "acc_t": ctx.ctype(out),
    }
    consts = {**win, "M": m, "CPG": cpg, "MPG": m // group}
    return ConvOperands(x, w, out, weight, bias, types, consts)


def conv(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::conv2d` (grouped too): PE × SIMD from the stage's folding."""
    c = operands(ctx, node)
    m, cpg, kh, kw = c.weight.shape
    pe = largest_divisor(m, stage.folding.get("pe", 1))
    simd = largest_divisor(cpg * kh * kw, stage.folding.get("simd", 1))
    consts = c.consts | {"PE": pe, "SIMD": simd}
    wt = ctx.table(node, "weight", ctx.ctype(c.w), c.weight, partition=pe * simd)
    ctx.add(node, "conv2d.h", "ff::conv2d", c.types, consts, [c.x], [c.out], [wt, c.bias])


OPS = {"Conv": conv}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The convolution's call, then one call per fused node (epilogue, max pooling)."""
    lower_fused(ctx, stage, nodes, OPS)
