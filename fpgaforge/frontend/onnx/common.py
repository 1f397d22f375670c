"""Helpers shared by the converters."""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.onnx.context import ImportContext


def normalize_axis(ctx: ImportContext, axis: int, rank: int) -> int:
    """A non-negative axis, or an error naming the node."""
    if not -rank <= axis < max(rank, 1):
        raise ctx.unsupported(f"axis {axis} is out of range for a rank-{rank} input")
    return axis % rank if rank else 0


def ints(values) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(values).reshape(-1))


def spatial_pads(
    ctx: ImportContext,
    in_spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
) -> tuple[int, ...]:
    """Explicit ONNX pads (begins then ends) from `pads` or `auto_pad`."""
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    n = len(in_spatial)
    if auto_pad in ("NOTSET", ""):
        pads = ctx.attr("pads", (0,) * (2 * n))
        if len(pads) != 2 * n:
            raise ctx.unsupported(f"pads {pads} must have {2 * n} entries")
        return ints(pads)
    if auto_pad == "VALID":
        return (0,) * (2 * n)
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise ctx.unsupported(
            f"auto_pad {auto_pad!r} is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER"
        )
    begins, ends = [], []
    for size, k, s, d in zip(in_spatial, kernel, strides, dilations, strict=True):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        small, large = total // 2, total - total // 2
        begins.append(small if auto_pad == "SAME_UPPER" else large)
        ends.append(large if auto_pad == "SAME_UPPER" else small)
    return tuple(begins + ends)
