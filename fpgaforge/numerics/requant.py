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
    result_dtype: np.dtype | type = np.int64,
) -> np.ndarray:
    """The hardware requantize step: ``(acc * multiplier) >> shift`` with rounding, then overflow.

    ``acc`` are integer codes; ``multiplier`` an integer (1 for a pure power-of-two
    rescale); ``shift`` the arithmetic right shift (negative shifts left). The dropped
    bits are rounded with ``rounding`` (default: ``out.rounding`` for a Fixed, RND
    otherwise) and the result is wrapped or saturated to ``out``'s width and
    signedness with ``overflow`` (default: ``out.overflow`` for a Fixed, SAT otherwise).
    The codes returned are ``out``'s codes. ``limit``: a bound on ``|acc|`` that the
    caller knows (its type's largest code); when it suffices the codes are not scanned.
    ``result_dtype``: the integer dtype of the codes returned (int64 by default); with a
    narrower one (that holds ``out``) the step runs in int32 whenever that is exact.
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
    result_dtype = np.dtype(result_dtype)
    if a.dtype != object and a.size:
        magnitude = _magnitude(a, limit, abs(multiplier))
        bound = magnitude * abs(multiplier)
        narrow = _int32_requant(
            a, multiplier, shift, bound, out, rounding, overflow, stats, result_dtype
        )
        if narrow is not None:
            return narrow
        if result_dtype != np.int64:
            scaled = _float64_requant(
                a, (multiplier,), (shift,), (-1,), magnitude, out, rounding, overflow, stats
            )
            if scaled is not None:
                return scaled.astype(result_dtype)
        a64 = a.astype(np.int64, copy=False)
        if bound <= INT64_MAX:
            product = a64 * multiplier if multiplier != 1 else a64
        else:
            product, bound = a.astype(object) * multiplier, None
    else:
        product = a.astype(object) * multiplier
    codes = rescale(
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
    return codes if codes.dtype == object else codes.astype(result_dtype, copy=False)


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
    result_dtype: np.dtype | type = np.int64,
) -> np.ndarray | None:
    """`requantize` with one multiplier and shift per channel along `axis`, vectorized
    over all channels at once; None when the products would not fit int64 (the caller
    then requantizes channel by channel). ``limit`` and ``result_dtype`` as for
    `requantize`; ``acc`` may be int16, int32 or int64 codes."""
    a = np.asarray(acc)
    if out is None or a.dtype.kind != "i" or not a.size:
        return None
    result_dtype = np.dtype(result_dtype)
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
        narrow = _int32_requant(a, mult, shift, bound, out, rounding, overflow, stats, result_dtype)
        if narrow is not None:
            return narrow
    if result_dtype != np.int64:
        scaled = _float64_requant(
            a, tuple(multipliers), tuple(shifts), shape, magnitude, out, rounding, overflow, stats
        )
        if scaled is not None:
            return scaled.astype(result_dtype)
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
    return result.astype(result_dtype, copy=False)


def _int32_requant(
    a: np.ndarray,
    mult: int | np.ndarray,
    shift: int,
    bound: int,
    out: Fixed | Int,
    rounding: Rounding,
    overflow: Overflow,
    stats: OverflowStats | None,
    result_dtype: np.dtype,
) -> np.ndarray | None:
    """The requantize of integer codes `a` in int32 passes (half the bytes of int64, and a
    saturation pass three times as fast), returned as `result_dtype`: for TRN or RND with
    SAT or WRAP, a shift of -30 to 30 bits (negative: left), a destination of at most 31
    bits and `bound` (on ``|a * mult|``) scaled by a left shift or plus the rounding half
    below 2**31, so no int32 step can overflow. None otherwise, when overflow is counted,
    and, for an int64 result, when `bound` keeps every code in range (then the int64 core
    needs no saturation pass and is as fast)."""
    width, signed = out.width, out.signed
    if stats is not None or rounding not in (Rounding.TRN, Rounding.RND) or width > 31:
        return None
    mode = effective_overflow(overflow, width, signed)
    if mode not in (Overflow.SAT, Overflow.WRAP) or not -30 <= int(shift) <= 30:
        return None
    shift = int(shift)
    largest = int(np.abs(mult).max()) if isinstance(mult, np.ndarray) else abs(int(mult))
    half = 1 << (shift - 1) if rounding is Rounding.RND and shift >= 1 else 0
    peak = bound << -shift if shift < 0 else bound + half  # the largest |intermediate|
    if peak >= 1 << 31 or largest >= 1 << 31:
        return None
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    top = (bound >> shift) + 1 if shift > 0 else peak  # every code lies within ±top
    clamp = -top < lo or top > hi
    if not clamp and result_dtype == np.int64:
        return None  # no saturation pass: the int64 core is as fast
    n = a.astype(np.int32)
    if isinstance(mult, np.ndarray):
        n *= mult.astype(np.int32)
    elif int(mult) != 1:
        n *= int(mult)
    if half:
        n += half
    if shift > 0:
        n >>= shift
    elif shift < 0:
        n <<= -shift
    if clamp:
        n = saturate_or_wrap(n, width, signed, mode)
    return n.astype(result_dtype, copy=False)


def _float64_requant(
    a: np.ndarray,
    multipliers: tuple[int, ...],
    shifts: tuple[int, ...],
    shape: tuple[int, ...],
    magnitude: int,
    out: Fixed | Int,
    rounding: Rounding,
    overflow: Overflow,
    stats: OverflowStats | None,
) -> np.ndarray | None:
    """The per-channel requantize of codes `a` (``|a| <= magnitude``) in float64 passes,
    the codes returned as exact integers in float64: with ``f_c = m_c * 2**-d_c`` (exact),
    ``a * f_c`` is ``(a * m_c) * 2**-d_c`` exactly while its bits, and those of ``a * f_c
    + 1/2``, span fewer than 52 places, so ``floor`` gives TRN and ``floor(+ 1/2)`` RND
    (half up); SAT clips. None for other modes, when overflow is counted, or when the
    products reach too far. Faster than the int64 core: no shift by a per-channel array."""
    if stats is not None or rounding not in (Rounding.TRN, Rounding.RND):
        return None
    if effective_overflow(overflow, out.width, out.signed) is not Overflow.SAT:
        return None
    _, d, largest = _channel_params(multipliers, shifts)
    if largest >= 1 << 51 or (magnitude * largest) << max(0, 1 - int(d.min())) >= 1 << 51:
        return None
    factors = _channel_factors(multipliers, shifts).reshape(shape)
    v = a.astype(np.float64)
    v *= factors
    if rounding is Rounding.RND:
        v += 0.5
    np.floor(v, out=v)
    return np.clip(v, out.min_code, out.max_code, out=v)


@functools.lru_cache(maxsize=1024)
def _channel_factors(multipliers: tuple[int, ...], shifts: tuple[int, ...]) -> np.ndarray:
    """The per-channel real factors ``m_c * 2**-d_c`` as a read-only float64 array (exact:
    each multiplier has fewer than 53 bits, see `_float64_requant`)."""
    m, d, _ = _channel_params(multipliers, shifts)
    factors = np.ldexp(m.astype(np.float64), -d)
    factors.setflags(write=False)
    return factors


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
