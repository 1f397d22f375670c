"""HLS kernel calls of data movement (`movement.h`): reshapes, transposes, slices, pads,
gathers, splits, resizes and concatenations.

Each becomes a `gather` by an index table computed by running the op's own `compute_int`
on stream positions, so its semantics cannot drift from the reference executor; a movement
that leaves the stream as it is costs nothing (its output is an alias of its input).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir import ops as _ops  # noqa: F401  (registers the op set)
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import get as get_op
from fpgaforge.ir.value import Value
from fpgaforge.units import layout
from fpgaforge.units.hls_call import HlsContext, KernelCall, Stage, lower_each

MOVEMENT = (
    "Reshape",
    "Transpose",
    "Slice",
    "Pad",
    "Gather",
    "Split",
    "Resize",
    "Flatten",
    "Squeeze",
    "Unsqueeze",
)


def _positions(node: Node, arrays: list[np.ndarray]) -> list[np.ndarray]:
    if node.op == "Concat":
        return get_op(node.op).compute_int(node, *arrays)
    extra = [node.const_input(i) for i in range(1, len(node.inputs))]
    return get_op(node.op).compute_int(node, arrays[0], *extra)


def gather(
    ctx: HlsContext,
    node: Node,
    src: str,
    src_ctype: str,
    out: Value,
    cat_positions: list[np.ndarray],
) -> None:
    """Gather `out` from the source stream `src` (already resolved), given per-input position arrays."""
    index = node.outputs.index(out)
    ones = _positions(node, [np.full_like(p, 1) for p in cat_positions])[index]
    twos = _positions(node, [np.full_like(p, 2) for p in cat_positions])[index]
    result = _positions(node, [p + 3 for p in cat_positions])[index]
    pad_mask = ones == twos
    pad_codes = np.unique(ones[pad_mask])
    if len(pad_codes) > 1:
        raise ctx.fail(node, "padding with several different values is not supported")
    idx = np.where(pad_mask, -1, np.asarray(result) - 3).reshape(-1)[layout.order(out.shape)]
    n_in = int(sum(p.size for p in cat_positions))
    if n_in == idx.size and np.array_equal(idx, np.arange(n_in)) and src_ctype == ctx.ctype(out):
        ctx.alias(out.name, src)
        return
    types = {"in_t": src_ctype, "out_t": ctx.ctype(out)}
    consts = {
        "N_IN": n_in,
        "N_OUT": int(idx.size),
        "PAD": int(pad_codes[0]) if len(pad_codes) else 0,
    }
    table = ctx.table(node, f"index_{index}", "int", idx)
    ctx.append(
        KernelCall("movement.h", "ff::gather", node.name, types, consts, [src], [out.name], [table])
    )


def movement(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """One gather per output of a single-activation movement op."""
    x = node.inputs[0]
    for value in node.inputs[1:]:
        if value is not None and not value.is_constant:
            raise ctx.fail(node, "only the first input may be an activation")
    pos = layout.position(x.shape)
    for out in node.outputs:
        gather(ctx, node, ctx.src(x), ctx.ctype(x), out, [pos])


def concat(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """A chain of `ff::cat2` into one stream of the output's code type, then a gather."""
    inputs = [v for v in node.inputs if v is not None]
    if any(v.is_constant for v in inputs):
        raise ctx.fail(node, "constant inputs to Concat are not supported")
    out = node.outputs[0]
    positions, base = [], 0
    for v in inputs:
        positions.append(layout.position(v.shape) + base)
        base += layout.frame_size(v.shape)
    current, count = inputs[0].name, layout.frame_size(inputs[0].shape)
    for i, v in enumerate(inputs[1:], start=1):
        tmp = f"{node.name}__cat{i}"
        types = {
            "a_t": ctx.ctype(out) if i > 1 else ctx.ctype(inputs[0]),
            "b_t": ctx.ctype(v),
            "out_t": ctx.ctype(out),
        }
        nb = layout.frame_size(v.shape)
        ctx.append(
            KernelCall(
                "movement.h",
                "ff::cat2",
                node.name,
                types,
                {"NA": count, "NB": nb},
                [ctx.src_name(current), ctx.src(v)],
                [tmp],
            )
        )
        current, count = tmp, count + nb
        ctx.declare_stream(current, ctx.ctype(out), count)  # every link of the chain
    if len(inputs) > 1:
        gather(ctx, node, current, ctx.ctype(out), out, positions)
    else:
        gather(ctx, node, ctx.src(inputs[0]), ctx.ctype(inputs[0]), out, positions)


OPS = {**dict.fromkeys(MOVEMENT, movement), "Concat": concat}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)


def decode_reshape(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """A Reshape in the decode step is free: its output is its input's array (C order)."""
    ctx.alias(node.outputs[0].name, ctx.src(node.inputs[0]))


def decode_split(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """A Split in the decode step: one `ff::mamba::slice` copy (`mamba.h`) per output; the
    parts must be contiguous in C order (every axis before the split axis of size 1)."""
    x = node.inputs[0]
    axis = int(node.attrs.get("axis", 0)) % max(x.rank, 1)
    if any(d != 1 for d in x.shape[:axis]):
        raise ctx.fail(node, "the decode step splits only along the first axis larger than 1")
    inner = int(np.prod(x.shape[axis + 1 :], dtype=np.int64))
    offset = 0
    for out in node.outputs:
        consts = {"N_IN": x.size, "OFFSET": offset, "N": out.size}
        ctx.add(node, "mamba.h", "ff::mamba::slice", {}, consts, [x], [out])
        offset += out.shape[axis] * inner


DECODE_OPS = {"Reshape": decode_reshape, "Split": decode_split}
