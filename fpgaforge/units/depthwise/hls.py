"""HLS kernel call of the depthwise convolution (`depthwise.h` on `linebuffer.h`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.conv.hls import conv, window
from fpgaforge.units.hls_call import (
    HlsContext,
    Stage,
    bias_table,
    largest_divisor,
    lower_fused,
)


def depthwise(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::depthwise2d`: PE channels in parallel from the stage's folding."""
    x, w, out = node.inputs[0], node.inputs[1], node.outputs[0]
    weight = np.asarray(w.const)
    m, _, kh, kw = weight.shape
    a = node.attrs
    win = window(ctx, node, x, out, (kh, kw), a["strides"], a["pads"], a["dilations"])
    bias = bias_table(ctx, node, 2, m, out)
    pe = largest_divisor(m, stage.folding.get("pe", 1))
    types = {
        "in_t": ctx.ctype(x),
        "weight_t": ctx.ctype(w),
        "bias_t": bias.ctype,
        "acc_t": ctx.ctype(out),
    }
    consts = {**win, "M": m, "MULT": m // x.shape[1], "PE": pe}
    wt = ctx.table(node, "weight", ctx.ctype(w), weight, partition=pe)
    ctx.add(node, "depthwise.h", "ff::depthwise2d", types, consts, [x], [out], [wt, bias])


OPS = {"DepthwiseConv": depthwise}

# A grouped Conv with one group per channel is scheduled as a depthwise stage; the HLS
# library runs it on the grouped conv2d kernel.
ANCHORS = {**OPS, "Conv": conv}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The depthwise call, then one call per fused epilogue node."""
    lower_fused(ctx, stage, nodes, ANCHORS)
