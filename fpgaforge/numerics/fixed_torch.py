"""The ap_fixed `quantize` and `cast` of `fpgaforge.numerics.fixed`, on torch int64 tensors.

Same integer algorithm (shared with the numpy version), same codes, on the
tensor's device. Types wider than the int64 fast path fall back to the exact
numpy path on the CPU when the result still fits an int64 tensor.
"""

from __future__ import annotations

import torch

from fpgaforge.numerics import fixed as _np_fixed
from fpgaforge.numerics.errors import NumericTypeError
from fpgaforge.numerics.rescale import FAST_DST_WIDTH, FAST_SRC_BITS, rescale_fast
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed

__all__ = ["cast", "quantize"]

_INT64_MAX = (1 << 63) - 1


class _Torch:
    """Array operations the shared core needs (torch flavour)."""

    @staticmethod
    def where(cond, a, b):
        return torch.where(cond, a, b)

    @staticmethod
    def minimum(a, b):
        return torch.minimum(a, b)

    @staticmethod
    def clip(x, lo, hi):
        return torch.clamp(x, lo, hi)

    @staticmethod
    def full_like(x, value):
        return torch.full_like(x, value)

    @staticmethod
    def as_int(mask):
        return mask.to(torch.int64)


def _split_double(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Torch twin of `fixed.double_to_scaled`: x == c * 2**-f, as ap_fixed reads a double."""
    bits = x.to(torch.float64).contiguous().view(torch.int64)
    exp = ((bits >> 52) & 0x7FF) - 1023
    man = (bits & ((1 << 52) - 1)) | (1 << 52)
    man = torch.where(bits < 0, -man, man)
    man = torch.where((bits & _INT64_MAX) == 0, torch.zeros_like(man), man)
    return man, 52 - exp


def _fits_fast(c: torch.Tensor, width: int) -> bool:
    if width > FAST_DST_WIDTH:
        return False
    if c.numel() == 0:
        return True
    return max(-int(c.min()), int(c.max())) < (1 << FAST_SRC_BITS)


def _finish(out, over, under, stats: OverflowStats | None) -> torch.Tensor:
    if stats is not None:
        stats.total += int(over.numel())
        stats.overflows += int(over.sum())
        stats.underflows += int(under.sum())
    return out


def _fallback(result, like: torch.Tensor) -> torch.Tensor:
    if result.dtype == object:
        raise NumericTypeError(
            "Codes wider than 63 bits cannot be held in a torch int64 tensor; use fpgaforge.numerics.fixed."
        )
    return torch.from_numpy(result).to(like.device)


def quantize(x: torch.Tensor, t: Fixed, *, stats: OverflowStats | None = None) -> torch.Tensor:
    """Codes (int64 tensor) of ``ap_fixed<...> v = (double)x``; see `fixed.quantize`."""
    if not isinstance(t, Fixed):
        raise NumericTypeError(f"quantize needs a Fixed type, got {t!r}.")
    x = torch.as_tensor(x)
    if t.width > FAST_DST_WIDTH:
        numpy_x = x.detach().to(torch.float64).cpu().numpy()
        return _fallback(_np_fixed.quantize(numpy_x, t, stats=stats), x)
    c, f = _split_double(x.detach())
    out, over, under = rescale_fast(
        c, f - t.frac_bits, t.width, t.signed, t.rounding, t.overflow, _Torch
    )
    return _finish(out, over, under, stats)


def cast(
    codes: torch.Tensor, src: Fixed, dst: Fixed, *, stats: OverflowStats | None = None
) -> torch.Tensor:
    """Codes (int64 tensor) of ``dst = src`` between ap_fixed types; see `fixed.cast`."""
    for t in (src, dst):
        if not isinstance(t, Fixed):
            raise NumericTypeError(f"cast needs Fixed types, got {t!r}.")
    c = torch.as_tensor(codes)
    if c.dtype.is_floating_point or c.dtype == torch.bool:
        raise NumericTypeError(f"Codes of {src} must be integers, got dtype {c.dtype}.")
    c = c.to(torch.int64)
    if c.numel() and (int(c.min()) < src.min_code or int(c.max()) > src.max_code):
        raise NumericTypeError(
            f"Codes out of range for {src}: [{int(c.min())}, {int(c.max())}] is not within [{src.min_code}, {src.max_code}]."
        )
    if not _fits_fast(c, dst.width):
        return _fallback(_np_fixed.cast(c.cpu().numpy(), src, dst, stats=stats), c)
    d = torch.full_like(c, src.frac_bits - dst.frac_bits)
    out, over, under = rescale_fast(c, d, dst.width, dst.signed, dst.rounding, dst.overflow, _Torch)
    return _finish(out, over, under, stats)
