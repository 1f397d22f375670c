"""Window helpers shared by the windowed ops (Conv, DepthwiseConv, Pool)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import OpDef


def spatial_params(
    node: Node, rank: int, kernel: Sequence[int]
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Strides, pads (ONNX order, 2·rank) and dilations of a windowed op, with
    defaults filled (None = ones / zeros); a ShapeError names bad lengths."""
    strides = tuple(node.attrs.get("strides") or (1,) * rank)
    pads = tuple(node.attrs.get("pads") or (0,) * (2 * rank))
    dilations = tuple(node.attrs.get("dilations") or (1,) * rank)
    for label, got, want in (
        ("strides", strides, rank),
        ("pads", pads, 2 * rank),
        ("dilations", dilations, rank),
        ("kernel", tuple(kernel), rank),
    ):
        if len(got) != want:
            raise OpDef.fail(
                node, f"{label} {got} must have {want} entries for {rank} spatial axes"
            )
    if min(strides) < 1 or min(dilations) < 1 or min(pads) < 0 or min(kernel) < 1:
        raise OpDef.fail(
            node, "strides, dilations and kernel must be positive and pads non-negative"
        )
    return strides, pads, dilations


def windows(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    out: Sequence[int],
) -> np.ndarray:
    """A read-only view [N, C, *out, *kernel] of the (already padded) input's windows."""
    rank = len(kernel)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilations, strict=True))
    view = sliding_window_view(x, extent, axis=tuple(range(2, 2 + rank)))
    index = (
        (slice(None), slice(None))
        + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out, strides, strict=True))
        + tuple(slice(None, None, d) for d in dilations)
    )
    return view[index]


def window_reduce(
    x: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    out: Sequence[int],
    combine: np.ufunc,
) -> np.ndarray:
    """[N, C, *out]: `combine` (np.maximum, or np.add on integers) folded over each window of
    the (already padded) input, one strided slice per kernel tap. Equal to reducing
    `windows(...)` over its kernel axes when `combine` is exact and order-free (max, integer
    sums), and several times faster: each step is one pass over contiguous rows."""
    rank = len(kernel)
    result: np.ndarray | None = None
    for tap in np.ndindex(*kernel):
        index = (slice(None), slice(None)) + tuple(
            slice(t * d, t * d + (o - 1) * s + 1, s)
            for t, d, o, s in zip(tap, dilations, out, strides, strict=True)
        )
        part = x[index]
        if result is None:
            result = np.array(part, copy=True)
        else:
            combine(result, part, out=result)
    assert result is not None and result.ndim == 2 + rank
    return result
