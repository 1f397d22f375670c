"""HLS kernel call of the sliding-window convolution (`conv2d.h` on `linebuffer.h`).

`window` is the line-buffer geometry every windowed kernel shares (conv2d, depthwise2d,
pool2d); `operands` reads a Conv node once for this kit and for the tiled GEMM engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fpgaforge.errors import SparsityError
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.numerics import nm
from fpgaforge.units.conv.match import sparse_pattern
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
    if weight.ndim != 4:
        raise ctx.fail(
            node,
            f"it has {weight.ndim - 2} spatial dimension(s) and the HLS convolution kernels "
            "are 2-D; write it as a 2-D convolution (e.g. a 1-D Conv as Conv2d with a (1, k) "
            "kernel on a (N, C, 1, L) input)",
        )
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
    """`ff::conv2d` (grouped too): PE × SIMD from the stage's folding; `ff::sparse_conv2d`
    for a convolution the match gave the N:M MAC array."""
    c = operands(ctx, node)
    m, cpg, kh, kw = c.weight.shape
    if sparse_pattern(node, cpg)[1]:
        sparse_conv(ctx, stage, node, c)
        return
    pe = largest_divisor(m, stage.folding.get("pe", 1))
    simd = largest_divisor(cpg * kh * kw, stage.folding.get("simd", 1))
    consts = c.consts | {"PE": pe, "SIMD": simd}
    wt = ctx.table(node, "weight", ctx.ctype(c.w), c.weight, partition=pe * simd)
    ctx.add(node, "conv2d.h", "ff::conv2d", c.types, consts, [c.x], [c.out], [wt, c.bias])


def sparse_conv(ctx: HlsContext, stage: Stage, node: Node, c: ConvOperands) -> None:
    """`ff::sparse_conv2d`: the weights compressed along the window's (kh, kw, c) taps."""
    fmt = node.quant.weights
    assert fmt.n_m is not None
    pattern = nm.NMPattern(*fmt.n_m)
    m, cpg, kh, kw = c.weight.shape
    if tuple(node.attrs.get("dilations") or (1, 1)) != (1, 1):
        raise ctx.fail(node, "an N:M convolution must not be dilated; keep it dense")
    taps = np.asarray(c.weight).transpose(0, 2, 3, 1).reshape(m, kh * kw * cpg)
    try:
        values, indices = nm.compress(taps, pattern, axis=1, what=f"Layer {node.name!r}")
    except SparsityError as e:
        raise ctx.fail(node, str(e).rstrip(".")) from None
    pe = largest_divisor(m, stage.folding.get("pe", 1))
    groups = largest_divisor(
        kh * kw * cpg // pattern.m, max(1, stage.folding.get("simd", 1) // pattern.m)
    )
    nz = groups * pattern.n
    consts = c.consts | {"PE": pe, "SIMD": groups * pattern.m, "NM_N": pattern.n, "NM_M": pattern.m}
    vt = ctx.table(node, "weight", c.types["weight_t"], values, partition=pe * nz)
    it = ctx.table(node, "index", f"ap_uint<{pattern.index_bits}>", indices, partition=pe * nz)
    ctx.add(
        node,
        "sparse_conv2d.h",
        "ff::sparse_conv2d",
        c.types,
        consts,
        [c.x],
        [c.out],
        [vt, it, c.bias],
    )


OPS = {"Conv": conv}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The convolution's call, then one call per fused node (epilogue, max pooling)."""
    lower_fused(ctx, stage, nodes, OPS)
