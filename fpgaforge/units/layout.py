"""Stream order of tensors and index tables for data-movement kernels.

Rank-4 tensors (N, C, H, W) stream channel-last (H, W, C per sample); all others
stream in C order. One frame is one sample (dimension 0 is the batch).
"""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.numerics.types import Fixed, Int


def frame_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The per-sample logical shape, batch dimension kept as 1."""
    return (1, *shape[1:]) if shape else (1,)


def frame_size(shape: tuple[int, ...]) -> int:
    return math.prod(frame_shape(shape))


def stream_axes(rank: int) -> tuple[int, ...]:
    """Logical axes in stream order: channel-last for rank 4."""
    if rank == 4:
        return (0, 2, 3, 1)
    return tuple(range(rank))


def stream_dims(shape: tuple[int, ...]) -> tuple[int, ...]:
    fs = frame_shape(shape)
    return tuple(fs[a] for a in stream_axes(len(fs)))


def order(shape: tuple[int, ...]) -> np.ndarray:
    """`order[j]` = logical flat index held at stream position j."""
    fs = frame_shape(shape)
    return (
        np.arange(math.prod(fs), dtype=np.int64).reshape(fs).transpose(stream_axes(len(fs))).ravel()
    )


def position(shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of `order`: stream position of each logical flat index, in logical shape."""
    pos = np.empty(frame_size(shape), dtype=np.int64)
    pos[order(shape)] = np.arange(frame_size(shape), dtype=np.int64)
    return pos.reshape(frame_shape(shape))


def to_stream(codes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Per-vector codes (count, *shape[1:]) → (count, frame) in stream order."""
    count = codes.shape[0]
    flat = np.asarray(codes).reshape(count, -1)
    return flat[:, order(shape)]


def channel_inner(shape: tuple[int, ...], axis: int) -> int:
    """Stream positions per step of logical axis `axis` (for per-channel tables)."""
    fs = frame_shape(shape)
    axes = stream_axes(len(fs))
    where = axes.index(axis)
    return math.prod(fs[a] for a in axes[where + 1 :])


def code_width(t: Fixed | Int) -> int:
    return t.width if isinstance(t, Fixed) else t.bits


def code_type(t: Fixed | Int) -> str:
    """The ap_int spelling holding the codes of `t`."""
    return f"ap_int<{code_width(t)}>" if t.signed else f"ap_uint<{code_width(t)}>"
