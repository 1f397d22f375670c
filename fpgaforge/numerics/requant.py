"""The hardware requantize step: integer multiply, arithmetic shift with rounding, overflow.

Every quantized format lowers to it (docs/numerics.md, "Integer requantization");
the HLS kernel ``requant.h`` and the Verilog module ``ff_requant`` compute the same
bits.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from fpgaforge.numerics.errors import NumericTypeError
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.rescale import (
    FAST_SRC_BITS,
    INT64_MAX,
    effective_overflow,
    max_abs,
    rescale,
    saturate_or_wrap,
)
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed, Int

_BLOCK = 1 << 16
"""Elements per block of the vectorized per-channel requantize."""

__all__ = ["quantize_multiplier", "requantize", "requantize_channels", "shift_right"]


def requantize(
    acc: Any,
    multiplier: int,
    shift: int,
    rounding: Rounding | str | None = None,
    out: Fixed | Int | None = None,
    overflow: Overflow | str | None = None,
    *,
    stats: OverflowStats | None = None,
    limit: int | None = None,
) -> np.ndarray:
    """The hardware requantize step: ``(acc * multiplier) >> shift`` with rounding, then overflow.

    ``acc`` are integer codes; ``multiplier`` an integer (1 for a pure power-of-two
    rescale); ``shift`` the arithmetic right shift (negative shifts left). The dropped
    bits are rounded with ``rounding`` (default: ``out.rounding`` for a Fixed, RND
    otherwise) and the result is wrapped or saturated to ``out``'s width and
    signedness with ``overflow`` (default: ``out.overflow`` for a Fixed, SAT otherwise).
    The codes returned are ``out``'s codes. ``limit``: a bound on ``|acc|`` that the
    caller knows (its type's largest code); when it suffices the codes are not scanned.
    """
    if out is None or not isinstance(out, Fixed | Int):
        raise NumericTypeError(f"requantize needs an output Fixed or Int type, got {out!r}.")
    if rounding is None:
        rounding = out.rounding if isinstance(out, Fixed) else Rounding.RND
    if overflow is None:
        overflow = out.overflow if isinstance(out, Fixed) else Overflow.SAT
    rounding, overflow = Rounding.coerce(rounding), Overflow.coerce(overflow)
    multiplier, shift = _int_param(multiplier, "multiplier"), _int_param(shift, "shift")
    a = np.asarray(acc)
    if a.dtype != object and not np.issubdtype(a.dtype, np.integer):
        raise NumericTypeError(f"requantize needs integer codes, got dtype {a.dtype}.")
    bound = None
    if a.dtype != object and a.size:
        a64 = a.astype(np.int64, copy=False)
        bound = _magnitude(a64, limit, abs(multiplier)) * abs(multiplier)
        narrow = _int32_requant(a64, multiplier, shift, bound, out, rounding, overflow, stats)
        if narrow is not None:
            return narrow
        if bound <= INT64_MAX:
            product = a64 * multiplier if multiplier != 1 else a64
        else:
            product, bound = a.astype(object) * multiplier, None
    else:
        product = a.astype(object) * multiplier
    return rescale(
        product,
        shift,
        out.width,
        out.signed,
        rounding,
        overflow,
        stats,
        magnitude=bound,
        scratch=product is not a and multiplier != 1,
    )


def requantize_channels(
    acc: Any,
    multipliers: tuple[int, ...],
    shifts: tuple[int, ...],
    axis: int,
    rounding: Rounding | str | None = None,
    out: Fixed | Int | None = None,
    overflow: Overflow | str | None = None,
    *,
    stats: OverflowStats | None = None,
    limit: int | None = None,
) -> np.ndarray | None:
    """`requantize` with one multiplier and shift per channel along `axis`, vectorized
    over all channels at once; None when the products would not fit int64 (the caller
    then requantizes channel by channel). ``limit`` as for `requantize`."""
    a = np.asarray(acc)
    if out is None or a.dtype != np.int64 or not a.size:
        return None
    if rounding is None:
        rounding = out.rounding if isinstance(out, Fixed) else Rounding.RND
    if overflow is None:
        overflow = out.overflow if isinstance(out, Fixed) else Overflow.SAT
    rounding, overflow = Rounding.coerce(rounding), Overflow.coerce(overflow)
    shape = (-1,) + (1,) * (a.ndim - axis - 1)
    common = _common_shift(tuple(multipliers), tuple(shifts))
    largest = (
        common[2] if common is not None else _channel_params(tuple(multipliers), tuple(shifts))[2]
    )
    magnitude = _magnitude(a, limit, largest)
    if common is not None and magnitude * common[2] < 1 << FAST_SRC_BITS:
        # one shift for every channel: scalar add and shift passes instead of broadcast ones
        mult, shift, bound = common[0].reshape(shape), common[1], magnitude * common[2]
    else:
        mult, shift, largest = _channel_params(tuple(multipliers), tuple(shifts))
        bound = magnitude * largest
        if bound > INT64_MAX:
            return None
        mult, shift = mult.reshape(shape), shift.reshape(shape)
    if np.ndim(shift) == 0:
        narrow = _int32_requant(a, mult, shift, bound, out, rounding, overflow, stats)
        if narrow is not None:
            return narrow
    result = np.empty(a.shape, dtype=np.int64)
    # blocks of leading rows keep the temporaries of the int64 core in cache
    row = a[0].size if axis > 0 else a.size
    step = max(1, _BLOCK // max(row, 1)) if axis > 0 else a.shape[0]
    for i in range(0, a.shape[0], step):
        # the products go straight into the result, which the cast then rounds in place
        target = result[i : i + step]
        np.multiply(a[i : i + step], mult, out=target)
        codes = rescale(
            target,
            shift,
            out.width,
            out.signed,
            rounding,
            overflow,
            stats,
            magnitude=bound,
            scratch=True,
        )
        if codes is not target:
            target[...] = codes
    return result


def _int32_requant(
    a: np.ndarray,
    mult: int | np.ndarray,
    shift: int,
    bound: int,
    out: Fixed | Int,
    rounding: Rounding,
    overflow: Overflow,
    stats: OverflowStats | None,
) -> np.ndarray | None:
    """The requantize of int64 codes `a` in int32 passes (half the bytes of int64, and a
    saturation pass three times as fast), the result widened to int64 at the end: for TRN
    or RND with SAT or WRAP, one right shift of 1-30 bits, a destination of at most 31
    bits and `bound` (on ``|a * mult|``) plus the rounding half below 2**31, so no int32
    step can overflow. None otherwise, when overflow is counted, and when `bound` keeps
    every code in range (then the int64 core needs no saturation pass and is as fast)."""
    width, signed = out.width, out.signed
    if stats is not None or rounding not in (Rounding.TRN, Rounding.RND) or width > 31:
        return None
    mode = effective_overflow(overflow, width, signed)
    if mode not in (Overflow.SAT, Overflow.WRAP) or not 1 <= int(shift) <= 30:
        return None
    shift = int(shift)
    largest = int(np.abs(mult).max()) if isinstance(mult, np.ndarray) else abs(int(mult))
    if bound + (1 << (shift - 1)) >= 1 << 31 or largest >= 1 << 31:
        return None
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    top = (bound >> shift) + 1  # every code lies within ±top
    if -top >= lo and top <= hi:
        return None  # no saturation pass: the int64 core is as fast
    n = a.astype(np.int32)
    if isinstance(mult, np.ndarray):
        n *= mult.astype(np.int32)
    elif int(mult) != 1:
        n *= int(mult)
    if rounding is Rounding.RND:
        n += 1 << (shift - 1)
    n >>= shift
    return saturate_or_wrap(n, width, signed, mode).astype(np.int64)


def _magnitude(codes: np.ndarray, limit: int | None, largest: int) -> int:
    """A bound on ``|codes|``: the caller's `limit` when its products with the `largest`
    multiplier stay within the int64 core's fast range, else the codes' own largest
    magnitude (one scan)."""
    if limit is not None and limit * max(largest, 1) < 1 << FAST_SRC_BITS:
        return limit
    return max_abs(codes)


@functools.lru_cache(maxsize=1024)
def _channel_params(
    multipliers: tuple[int, ...], shifts: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-channel multipliers and shifts as read-only int64 arrays, and max |multiplier|."""
    m = np.array([_int_param(v, "multiplier") for v in multipliers], dtype=np.int64)
    d = np.array([_int_param(v, "shift") for v in shifts], dtype=np.int64)
    m.setflags(write=False)
    d.setflags(write=False)
    return m, d, max(abs(int(v)) for v in multipliers)


@functools.lru_cache(maxsize=1024)
def _common_shift(
    multipliers: tuple[int, ...], shifts: tuple[int, ...]
) -> tuple[np.ndarray, int, int] | None:
    """The per-channel requantize with one shift D = max(shifts) for all channels: channel
    c's multiplier becomes m_c * 2**(D - d_c). Rounding ``x * 2**k`` at D = d + k drops the
    same bits as rounding ``x`` at d plus k zero bits, so every rounding and overflow mode
    gives the same codes. None when a shift is not a right shift (< 1) or D > 62, or the
    scaled multipliers reach 2**62. Returns (multipliers, D, max |multiplier|)."""
    d = [_int_param(v, "shift") for v in shifts]
    top = max(d, default=0)
    if not d or min(d) < 1 or top > 62:
        return None
    scaled = [
        _int_param(m, "multiplier") << (top - di) for m, di in zip(multipliers, d, strict=True)
    ]
    largest = max(abs(v) for v in scaled)
    if largest >= 1 << 62:
        return None
    array = np.array(scaled, dtype=np.int64)
    array.setflags(write=False)
    return array, top, largest


def shift_right(
    codes: Any,
    shift: int,
    out: Fixed | Int,
    rounding: Rounding | str | None = None,
    overflow: Overflow | str | None = None,
    *,
    stats: OverflowStats | None = None,
) -> np.ndarray:
    """Power-of-two rescale: ``requantize(codes, 1, shift, rounding, out, overflow)``."""
    return requantize(codes, 1, shift, rounding, out, overflow, stats=stats)


def quantize_multiplier(real_multiplier: float, bits: int = 31) -> tuple[int, int]:
    """Integer ``(multiplier, shift)`` with ``real ≈ multiplier * 2**-shift`` (gemmlowp/TFLite).

    ``multiplier`` has ``bits`` significant bits: ``2**(bits-1) <= |multiplier| < 2**bits``
    (0 for a zero real). The significand is rounded half away from zero, as
    TFLite's ``QuantizeMultiplier``. Feed both to `requantize`.
    """
    real = float(real_multiplier)
    if not math.isfinite(real):
        raise NumericTypeError(
            f"Cannot quantize the multiplier {real_multiplier!r}; it must be finite."
        )
    if real == 0.0:
        return 0, 0
    frac, exp = math.frexp(abs(real))
    q = math.floor(math.ldexp(frac, bits) + 0.5)
    if q == 1 << bits:
        q //= 2
        exp += 1
    return (q if real > 0 else -q), bits - exp


def _int_param(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NumericTypeError(f"requantize {what} must be an integer, got {value!r}.")
    return int(value)
