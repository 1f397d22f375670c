"""HLS kernel call of the causal depthwise conv1d decode step with its window state
(`causal_conv.h`: `ff::mamba::conv1d`, `DECODE_OPS`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage, table_ctype


def conv1d(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::conv1d`: IntConv1d on one token, the state in and out."""
    x, state = node.inputs[0], node.inputs[4]
    y, new_state = node.outputs
    q, shift, bias = (np.asarray(node.const_input(i)) for i in (1, 2, 3))
    ch, k = q.shape
    if x.shape != (1, ch) or state.shape != (1, ch, k - 1):
        raise ctx.fail(node, "the decode-step conv1d takes one token [1, C] and its state")
    a = node.attrs
    consts = {
        "C": ch,
        "K": k,
        "FRAC_IN": int(a["frac_in"]),
        "FRAC_OUT": int(a["frac_out"]),
        "ACT_BITS": int(a["act_bits"]),
        "ACT_GROUP": int(a["act_group"]),
        "ACT_SHIFT": int(a["act_shift"]),
    }
    tables = [
        ctx.table(node, "q", table_ctype(q), q),
        ctx.table(node, "shift", table_ctype(shift), shift),
        ctx.table(node, "bias", table_ctype(bias), bias),
    ]
    ctx.add(
        node, "causal_conv.h", "ff::mamba::conv1d", {}, consts, [x, state], [y, new_state], tables
    )


DECODE_OPS = {"IntConv1d": conv1d}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The unit runs only in the decode step (no streaming or tiled schedule has it)."""
    raise ctx.fail(nodes[0], "the causal conv1d is built only as part of a Mamba-2 decode step")
