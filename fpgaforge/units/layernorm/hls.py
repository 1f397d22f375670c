"""HLS kernel call of the integer LayerNorm (`layernorm.h`, `ff::layernorm`).

The kernel computes exactly `fpgaforge.ir.ops.table_int.layernorm_codes` on rows read one
after another (`fpgaforge.units.rows` permutes a layout whose rows are not contiguous);
gamma and beta are tables in the order a row is read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units import layout, rows
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each, signed_bits

MAX_WIDE = 64
"""The widest intermediate the kernel's `wide_t` may have."""


def _param_row(node: Node, index: int, frame: tuple, axis: int, order: np.ndarray) -> np.ndarray:
    """Constant input `index` (gamma or beta; zeros when absent) in the kernel's read order
    of a row (`order`: the row's logical offsets)."""
    data = node.const_input(index) if len(node.inputs) > index else None
    if data is None:
        return np.zeros(order.size, dtype=np.int64)
    full = np.broadcast_to(np.asarray(data, np.int64), frame[axis:]).reshape(-1)
    return full[order]


def layernorm(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::layernorm` with the quantizer's rsqrt table, gamma and beta."""
    x, out = node.inputs[0], node.outputs[0]
    table = node.quant.table
    if table is None:
        raise ctx.fail(node, "only the quantizer's integer LayerNorm has a kernel")
    a = node.attrs
    frame = layout.frame_shape(x.shape)
    axis = int(a["axis"]) % len(frame)
    if axis == 0:
        raise ctx.fail(node, "it normalizes over the batch axis")
    n = math.prod(frame[axis:])
    ids = rows.row_ids(x.shape, axis)
    read = rows.streamed_rows(x.shape, ids).reshape(-1, n) % n
    if not (read == read[:1]).all():
        raise ctx.fail(node, "its rows are not read in one order in the stream")
    gamma = _param_row(node, 1, frame, axis, read[0])
    beta = _param_row(node, 2, frame, axis, read[0])
    values = np.asarray(table.values, dtype=np.int64)
    size = len(values)
    if size & (size - 1) or int(a["rsqrt_frac"]) <= int(a["norm_frac"]):
        raise ctx.fail(node, "its rsqrt table is not a power of two long with RFRAC > NFRAC")
    xt = ctx.dtype(x)
    biggest = max(abs(int(xt.min_code)), abs(int(xt.max_code)))
    eps = int(a["eps_codes"])
    if eps >= 1 << 31:
        raise ctx.fail(node, f"its epsilon is {eps} codes, beyond a 32-bit constant")
    out_w = layout.code_width(ctx.dtype(out))
    wide = 2 + max(
        (n * n * biggest * biggest + eps).bit_length(),
        (2 * n * biggest).bit_length() + int(values.max()).bit_length() + 1,
        out_w,
    )
    if wide > MAX_WIDE:
        raise ctx.fail(node, f"its intermediates need {wide} bits, beyond {MAX_WIDE}")
    types = {"in_t": ctx.ctype(x), "out_t": ctx.ctype(out), "wide_t": f"ap_int<{wide}>"}
    consts = {
        "N": n,
        "ROWS": layout.frame_size(x.shape) // n,
        "SIZE": size,
        "EPS": eps,
        "RFRAC": int(a["rsqrt_frac"]),
        "NFRAC": int(a["norm_frac"]),
    }
    tables = [
        ctx.table(node, "rsqrt", f"ap_uint<{max(1, int(values.max()).bit_length())}>", values),
        ctx.table(node, "gamma", f"ap_int<{signed_bits(gamma)}>", gamma),
        ctx.table(node, "beta", f"ap_int<{signed_bits(beta)}>", beta),
    ]
    rows.row_call(ctx, node, "layernorm.h", "ff::layernorm", types, consts, x, out, ids, tables)


OPS = {"LayerNorm": layernorm}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)
