"""Row kernels on any stream layout: when a row op's rows (Softmax's axis, LayerNorm's
normalized axes) are not contiguous in the stream order of its tensor (the last axis of a
rank-4 tensor, which streams channel-last), the call is wrapped in two `ff::gather`
permutations: into row-major order, and back to the output's stream order.
"""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.units import layout
from fpgaforge.units.hls_call import HlsContext, KernelCall, Table


def row_ids(shape: tuple[int, ...], axis: int) -> np.ndarray:
    """The row of each stream position, rows being the axes axis..rank−1 of the frame."""
    frame = layout.frame_shape(shape)
    n = math.prod(frame[axis:])
    return layout.order(shape) // n


def streamed_rows(shape: tuple[int, ...], ids: np.ndarray) -> np.ndarray:
    """Logical flat indices in the order the kernel reads them: rows (by `ids`, the row of
    each stream position) one after another, each in its stream order."""
    return layout.order(shape)[np.argsort(ids, kind="stable")]


def contiguous(ids: np.ndarray) -> bool:
    """True when each row (`ids`: the row of each stream position) is a contiguous run."""
    n = ids.size // max(1, len(np.unique(ids)))
    blocks = ids.reshape(-1, n)
    return bool((blocks == blocks[:, :1]).all())


def _gather(
    ctx: HlsContext, node: Node, role: str, src: str, dst: str, ctype: str, idx: np.ndarray
) -> None:
    table = ctx.table(node, f"{role}_index", "int", idx)
    consts = {"N_IN": int(idx.size), "N_OUT": int(idx.size), "PAD": 0}
    types = {"in_t": ctype, "out_t": ctype}
    ctx.append(
        KernelCall("movement.h", "ff::gather", node.name, types, consts, [src], [dst], [table])
    )


def row_call(
    ctx: HlsContext,
    node: Node,
    header: str,
    func: str,
    types: dict[str, str],
    consts: dict[str, int],
    x: Value,
    out: Value,
    ids: np.ndarray,
    tables: list[Table],
) -> None:
    """`func` reading the rows of `x` one after another and writing `out` (same shape) in
    the same order; `ids` is the row of each stream position of `x` (any labels)."""
    if contiguous(ids):
        ctx.add(node, header, func, types, consts, [x], [out], tables)
        return
    into = np.argsort(ids, kind="stable")  # row-major position j reads stream position into[j]
    back = np.empty_like(into)
    back[into] = np.arange(into.size)  # stream position p reads row-major position back[p]
    rows_in, rows_out = f"{node.name}__rows_in", f"{node.name}__rows_out"
    ctx.declare_stream(rows_in, ctx.ctype(x), into.size)
    ctx.declare_stream(rows_out, ctx.ctype(out), into.size)
    _gather(ctx, node, "rows_in", ctx.src(x), rows_in, ctx.ctype(x), into)
    call = KernelCall(header, func, node.name, types, consts, [rows_in], [rows_out], tables)
    ctx.append(call)
    _gather(ctx, node, "rows_out", rows_out, out.name, ctx.ctype(out), back)
