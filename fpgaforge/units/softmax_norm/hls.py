"""HLS lowering of the row unit: table softmax (`softmax.h`) and LRN (`lrn.h`).

Both read the table the quantizer stored on the node (`node.quant.table`); the kernels
compute exactly `fpgaforge.ir.ops.table_int`. The integer LayerNorm is the `layernorm`
kit's; Reduce has no integer node yet, so no emitter is registered for it: such a stage is
refused, naming its node.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units import layout, rows
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each


def _unsigned_bits(values: np.ndarray) -> int:
    return max(1, int(np.asarray(values).max(initial=0)).bit_length())


def softmax(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::softmax` over its rows, permuted to be contiguous where the layout interleaves
    them (`fpgaforge.units.rows`)."""
    x, out = node.inputs[0], node.outputs[0]
    table = node.quant.table
    if table is None or node.attrs["log"]:
        raise ctx.fail(node, "only the quantizer's table softmax has a kernel")
    frame = layout.frame_shape(x.shape)
    axis = int(node.attrs["axis"]) % len(frame)
    index = np.arange(math.prod(frame)).reshape(frame)
    if node.attrs["legacy"]:
        n = math.prod(frame[axis:])
        row = index // n
    else:
        n = frame[axis]
        row = np.take(index, 0, axis=axis)
        row = np.expand_dims(row, axis) + np.zeros_like(index)
    ids = row.ravel()[layout.order(x.shape)]
    values = np.asarray(table.values, dtype=np.int64)
    exp_w = _unsigned_bits(values)
    types = {
        "in_t": ctx.ctype(x),
        "out_t": ctx.ctype(out),
        "exp_t": f"ap_uint<{exp_w}>",
        "sum_t": f"ap_uint<{exp_w + max(1, (n - 1).bit_length())}>",
    }
    consts = {
        "N": n,
        "ROWS": layout.frame_size(x.shape) // n,
        "SIZE": len(values),
        "SHIFT": int(table.shift),
        "OUT_FRAC": int(ctx.dtype(out).frac_bits),
    }
    tables = [ctx.table(node, "exp", types["exp_t"], values)]
    rows.row_call(ctx, node, "softmax.h", "ff::softmax", types, consts, x, out, ids, tables)


def lrn(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::lrn` on a channel-last stream (rank-3 and rank-4 inputs)."""
    x, out = node.inputs[0], node.outputs[0]
    table = node.quant.table
    if table is None or x.rank not in (3, 4):
        raise ctx.fail(node, "only the quantizer's LRN of rank-3 or rank-4 tensors has a kernel")
    frame = layout.frame_shape(x.shape)
    channels = frame[1]
    size = int(node.attrs["size"])
    values = np.asarray(table.values, dtype=np.int64)
    in_w = layout.code_width(ctx.dtype(x))
    q_w = 2 * in_w + max(1, (size - 1).bit_length())
    types = {
        "in_t": ctx.ctype(x),
        "out_t": ctx.ctype(out),
        "q_t": f"ap_uint<{q_w}>",
        "f_t": f"ap_uint<{_unsigned_bits(values)}>",
    }
    consts = {
        "C": channels,
        "PIXELS": layout.frame_size(x.shape) // channels,
        "WIN": size,
        "BEFORE": (size - 1) // 2,
        "SIZE": len(values),
        "SHIFT": int(table.shift),
    }
    tables = [ctx.table(node, "factor", types["f_t"], values)]
    ctx.add(node, "lrn.h", "ff::lrn", types, consts, [x], [out], tables)


OPS = {"Softmax": softmax, "LRN": lrn}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)
