"""HLS kernel calls of element-wise units (`eltwise.h`): two-stream arithmetic and the
per-channel affine (unfolded batch norm)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units import layout
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each, signed_bits

BINARY = {"Add": 0, "Sub": 1, "Mul": 2, "Max": 3, "Min": 4}  # ff::binary's OP


def binary(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::binary` on two activation streams of one shape."""
    a, b, out = node.inputs[0], node.inputs[1], node.outputs[0]
    if node.op in ("Add", "Sub", "Mul") and (a.is_constant != b.is_constant):
        _with_constant(ctx, node)
        return
    if a.is_constant or b.is_constant or a.shape != b.shape:
        raise ctx.fail(
            node, "both operands must be activations of the same shape (no broadcasting)"
        )
    types = {"a_t": ctx.ctype(a), "b_t": ctx.ctype(b), "out_t": ctx.ctype(out)}
    consts = {"N": layout.frame_size(a.shape), "OP": BINARY[node.op]}
    ctx.add(node, "eltwise.h", "ff::binary", types, consts, [a, b], [out])


def _with_constant(ctx: HlsContext, node: Node) -> None:
    """Add/Sub/Mul of an activation and a constant: `ff::affine` with the constant as the
    per-channel scale (Mul) or bias (Add/Sub) when it is a scalar or varies along one axis,
    else as a table of one entry per element of the frame in stream order (a position
    embedding)."""
    first_const = node.inputs[0].is_constant
    x, c = (node.inputs[1], node.inputs[0]) if first_const else (node.inputs[0], node.inputs[1])
    out = node.outputs[0]
    data = np.asarray(c.const, dtype=np.int64)
    shape = (1,) * (out.rank - data.ndim) + data.shape
    varying = [i for i, d in enumerate(shape) if d != 1]
    if varying and varying[0] == 0:
        raise ctx.fail(node, "its constant operand varies along the batch axis")
    if x.shape != out.shape:
        raise ctx.fail(node, "the constant operand broadcasts the activation to a larger shape")
    if len(varying) > 1:
        frame = layout.frame_shape(out.shape)
        values = np.broadcast_to(data.reshape(shape), frame).reshape(-1)[layout.order(out.shape)]
        channels, inner = values.size, 1
    else:
        axis = varying[0] if varying else 1 % max(out.rank, 1)
        channels = out.shape[axis] if varying else 1
        values = data.reshape(-1)
        inner = layout.channel_inner(x.shape, axis) if varying else 1
    ones = np.ones(channels, np.int64)
    if node.op == "Mul":
        scale, bias = values, np.zeros(channels, np.int64)
    elif node.op == "Add":
        scale, bias = ones, values
    else:  # Sub: x - c, or c - x
        scale, bias = (-ones, values) if first_const else (ones, -values)
    st = f"ap_int<{signed_bits(scale)}>"
    bt = f"ap_int<{signed_bits(bias)}>"
    types = {"in_t": ctx.ctype(x), "scale_t": st, "bias_t": bt, "out_t": ctx.ctype(out)}
    consts = {
        "N": layout.frame_size(x.shape),
        "CH": channels,
        "INNER": inner,
    }
    tables = [ctx.table(node, "scale", st, scale), ctx.table(node, "bias", bt, bias)]
    ctx.add(node, "eltwise.h", "ff::affine", types, consts, [x], [out], tables)


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


def residual_add(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::add` (`mamba.h`): the decode step's residual add of two code vectors."""
    a, b, out = node.inputs[0], node.inputs[1], node.outputs[0]
    if a.is_constant or b.is_constant or a.shape != b.shape:
        raise ctx.fail(node, "the decode-step add takes two activations of one shape")
    ctx.add(node, "mamba.h", "ff::mamba::add", {}, {"N": a.size}, [a, b], [out])


DECODE_OPS = {"Add": residual_add}
