"""HLS kernel calls of pooling (`pool.h`): windowed max/average and global pooling."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units import layout
from fpgaforge.units.conv.hls import window
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each


def pool(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::pool2d` on the shared line-buffer window."""
    x, out = node.inputs[0], node.outputs[0]
    a = node.attrs
    if a["kind"] not in ("max", "avg"):
        raise ctx.fail(node, f"{a['kind']} pooling has no integer form")
    win = window(ctx, node, x, out, tuple(a["kernel"]), a["strides"], a["pads"], a["dilations"])
    types = {"in_t": ctx.ctype(x), "out_t": ctx.ctype(out)}
    table = node.quant.table
    if a["kind"] == "avg" and table is not None:  # divisor per window: sum · recip[taps]
        recip = np.asarray(table.values, dtype=np.int64)
        taps = int(np.prod(a["kernel"]))
        width = layout.code_width(ctx.dtype(x)) + 1 + max(1, (taps - 1).bit_length())
        types["sum_t"] = f"ap_int<{width}>"
        tables = [
            ctx.table(node, "recip", f"ap_uint<{max(1, int(recip.max()).bit_length())}>", recip)
        ]
        ctx.add(node, "pool.h", "ff::avg_pool2d", types, win, [x], [out], tables)
        return
    consts = {**win, "IS_MAX": int(a["kind"] == "max")}
    ctx.add(node, "pool.h", "ff::pool2d", types, consts, [x], [out])


def global_pool(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::global_pool`: one value per channel of a rank-4 tensor."""
    x, out = node.inputs[0], node.outputs[0]
    if node.attrs["kind"] not in ("max", "avg") or x.rank != 4:
        raise ctx.fail(node, "only global max/average pooling of rank-4 tensors is supported")
    types = {"in_t": ctx.ctype(x), "out_t": ctx.ctype(out)}
    consts = {
        "C": x.shape[1],
        "PIXELS": x.shape[2] * x.shape[3],
        "IS_MAX": int(node.attrs["kind"] == "max"),
    }
    ctx.add(node, "pool.h", "ff::global_pool", types, consts, [x], [out])


OPS = {"Pool": pool, "GlobalPool": global_pool}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)
