"""Where the activation MatMul finds its operands in their streams: per output (in the
output's stream order) the stream positions where its row of `a` and its column of `b`
start, and the constant strides of the reduction axis (shared by the HLS kernel call and
the RTL unit)."""

from __future__ import annotations

import numpy as np

from fpgaforge.units import layout


class Strided(ValueError):
    """An operand's reduction axis has no constant stride in its stream order."""


def _reduction(pos: np.ndarray, axis: int) -> tuple[np.ndarray, int]:
    """(stream position of the reduction's first term, in `pos`'s shape without `axis`;
    the stride of the reduction axis)."""
    first = np.take(pos, 0, axis=axis)
    k = pos.shape[axis]
    step = int(np.take(pos, 1, axis=axis).reshape(-1)[0] - first.reshape(-1)[0]) if k > 1 else 0
    ramp = np.arange(k).reshape([k if i == axis % pos.ndim else 1 for i in range(pos.ndim)])
    if not np.array_equal(pos, np.expand_dims(first, axis) + ramp * step):
        raise Strided(axis)
    return first, step


def _position(shape: tuple[int, ...], order: np.ndarray | None) -> np.ndarray:
    """Stream position of each logical element (frame shape), from `order` (the logical
    index at each stream position; the HLS layout's when None)."""
    if order is None:
        return layout.position(shape)
    pos = np.empty(len(order), dtype=np.int64)
    pos[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
    return pos.reshape(layout.frame_shape(shape))


def operand_bases(
    a_shape: tuple[int, ...],
    b_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
    a_order: np.ndarray | None = None,
    b_order: np.ndarray | None = None,
    out_order: np.ndarray | None = None,
) -> tuple[np.ndarray, int, np.ndarray, int]:
    """(A_BASE, A_STEP, B_BASE, B_STEP): per output stream position, the stream positions
    where its row of a and its column of b start, and their strides. The orders (logical
    index at each stream position) default to the HLS layout's. Raises `Strided` when a
    reduction axis has no constant stride."""
    frame = layout.frame_shape(out_shape)
    a_first, a_step = _reduction(_position(a_shape, a_order), -1)
    b_first, b_step = _reduction(_position(b_shape, b_order), -2)
    a_base = np.broadcast_to(a_first[..., :, None], frame).reshape(-1)
    b_base = np.broadcast_to(b_first[..., None, :], frame).reshape(-1)
    order = layout.order(out_shape) if out_order is None else np.asarray(out_order, np.int64)
    return a_base[order], a_step, b_base[order], b_step
