"""HLS kernel calls of element-wise units (`eltwise.h`): two-stream arithmetic and the
per-channel affine (unfolded batch norm)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units import layout
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each

BINARY = {"Add": 0, "Sub": 1, "Mul": 2, "Max": 3, "Min": 4}  # ff::binary's OP


def binary(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::binary` on two activation streams of one shape."""
    a, b, out = node.inputs[0], node.inputs[1], node.outputs[0]
    if a.is_constant or b.is_constant or a.shape != b.shape:
        raise ctx.fail(
            node, "both operands must be activations of the same shape (no broadcasting)"
        )
    types = {"a_t": ctx.ctype(a), "b_t": ctx.ctype(b), "out_t": ctx.ctype(out)}
    consts = {"N": layout.frame_size(a.shape), "OP": BINARY[node.op]}
    ctx.add(node, "eltwise.h", "ff::binary", types, consts, [a, b], [out])


def affine(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::affine`: x · scale + bias per channel."""
    x, out = node.inputs[0], node.outputs[0]
    axis = int(node.attrs["axis"]) % x.rank
    channels = x.shape[axis]
    scale = np.broadcast_to(np.asarray(node.const_input(1)).reshape(-1), (channels,))
    bias_data = node.const_input(2) if len(node.inputs) > 2 else None
    bias = (
        np.zeros(channels, np.int64)
        if bias_data is None
        else np.broadcast_to(np.asarray(bias_data).reshape(-1), (channels,))
    )
    st, bt = (
        ctx.ctype(node.inputs[1]),
        (ctx.ctype(node.inputs[2]) if bias_data is not None else ctx.ctype(out)),
    )
    types = {"in_t": ctx.ctype(x), "scale_t": st, "bias_t": bt, "out_t": ctx.ctype(out)}
    consts = {
        "N": layout.frame_size(x.shape),
        "CH": channels,
        "INNER": layout.channel_inner(x.shape, axis),
    }
    tables = [ctx.table(node, "scale", st, scale), ctx.table(node, "bias", bt, bias)]
    ctx.add(node, "eltwise.h", "ff::affine", types, consts, [x], [out], tables)


OPS = {**dict.fromkeys(BINARY, binary), "Affine": affine}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """One call per node (a relu or clip scheduled here runs on the activation kernels)."""
    lower_each(ctx, stage, nodes)
