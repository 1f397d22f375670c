"""HLS kernel call of the requantizer (`requant.h`): multiply, shift with rounding, saturate."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.units import layout
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each, signed_bits


def requant(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::requant`: per-tensor or per-channel multiplier and shift; PE from the stage's
    folding (a requant fused behind a MAC array runs at that array's PE)."""
    x, out = node.inputs[0], node.outputs[0]
    a = node.attrs
    to = a["to"]
    axis = int(a["axis"])
    per_channel = isinstance(a["multiplier"], tuple) or isinstance(a["shift"], tuple)
    channels = x.shape[axis] if per_channel else 1
    mult = np.broadcast_to(np.asarray(a["multiplier"], dtype=np.int64).reshape(-1), (channels,))
    shift = np.broadcast_to(np.asarray(a["shift"], dtype=np.int64).reshape(-1), (channels,))
    tin = ctx.dtype(x)
    in_w = layout.code_width(tin) + (0 if tin.signed else 1)
    prod_w = in_w + signed_bits(mult)
    left = max(0, -int(shift.min()))
    right = max(0, int(shift.max()))
    out_w = layout.code_width(to)
    wide = max(prod_w + left, right + 2, out_w + 2) + 2
    overflow = Overflow.coerce(a["overflow"])
    if overflow is Overflow.SAT_SYM and to.signed and out_w == 1:
        overflow = Overflow.SAT
    types = {"in_t": ctx.ctype(x), "out_t": layout.code_type(to), "wide_t": f"ap_int<{wide}>"}
    consts = {
        "N": layout.frame_size(x.shape),
        "CH": channels,
        "INNER": layout.channel_inner(x.shape, axis) if per_channel else 1,
        "ROUNDING": ROUNDING_CODES[Rounding.coerce(a["rounding"])],
        "OVERFLOW": OVERFLOW_CODES[overflow],
        "OUT_W": out_w,
        "OUT_SIGNED": int(to.signed),
        "PE": int(stage.folding.get("pe", 1)),
    }
    tables = [
        ctx.table(node, "multiplier", "long long", mult),
        ctx.table(node, "shift", "int", shift),
    ]
    ctx.add(node, "requant.h", "ff::requant", types, consts, [x], [out], tables)


OPS = {"Requant": requant}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)
