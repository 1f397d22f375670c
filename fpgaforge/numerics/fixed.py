"""Bit-exact emulation of ap_fixed / ap_int casts and arithmetic on integer codes (numpy).

Codes are int64 arrays holding the integer a type stores (real = code * 2**-frac_bits).
Results too wide for int64 (a 73-bit sum, a 64-bit unsigned product) are numpy
object arrays of Python ints, exact. Casts use only integer shifts, masks and
comparisons. The semantics, and how they were proven against the real
``ap_fixed.h``, are in docs/numerics.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fpgaforge.numerics.types import (
    Fixed,
    Int,
    NumericType,
    NumericTypeError,
    Overflow,
    Rounding,
    add_type,
    mul_type,
    sub_type,
)

__all__ = [
    "OverflowStats",
    "add",
    "cast",
    "double_to_scaled",
    "fits_int64",
    "mul",
    "quantize",
    "quantize_multiplier",
    "requantize",
    "shift_right",
    "sub",
    "to_float",
]

# Fast int64 paths: source codes below 2**FAST_SRC_BITS in magnitude, destination widths
# up to FAST_DST_WIDTH bits. Everything else takes the exact Python-int path.
FAST_SRC_BITS = 60
FAST_DST_WIDTH = 62
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


@dataclass
class OverflowStats:
    """Counts out-of-range values seen by casts that were given this object (``stats=``).

    ``overflows`` counts values above the destination's range, ``underflows`` values
    below it (for signed SAT_SYM, the most negative code counts as below). Whatever
    the overflow mode did with them (wrap, saturate, zero), they are counted.
    """

    total: int = 0
    overflows: int = 0
    underflows: int = 0

    @property
    def count(self) -> int:
        """Number of values that overflowed in either direction."""
        return self.overflows + self.underflows

    @property
    def fraction(self) -> float:
        """``count / total`` (0.0 when nothing was cast)."""
        return self.count / self.total if self.total else 0.0

    def record(self, over: Any, under: Any) -> None:
        """Add the boolean masks of one cast."""
        self.total += int(np.size(over))
        self.overflows += int(over.sum())
        self.underflows += int(under.sum())


def fits_int64(t: NumericType) -> bool:
    """Whether every code of ``t`` fits an int64 (otherwise codes are object arrays)."""
    return t.min_code >= _INT64_MIN and t.max_code <= _INT64_MAX


# -- the core: code * 2**-d, rounded, then overflow -----------------------------------


def _effective_overflow(overflow: Overflow, width: int, signed: bool) -> Overflow:
    """ap_fixed quirk: a 1-bit signed SAT_SYM type saturates like SAT (to -1, its only negative code)."""
    if overflow is Overflow.SAT_SYM and signed and width == 1:
        return Overflow.SAT
    return overflow


def _round_increment(rounding: Rounding, neg, qb, r, q_odd):
    """ap_fixed ``quantization_adjust``: whether to add one LSB to the floor.

    ``qb`` is the first dropped bit, ``r`` whether any later dropped bit is set,
    ``neg`` the sign of the source. Works on bools and on boolean arrays.
    """
    if rounding is Rounding.TRN:
        return qb & False
    if rounding is Rounding.RND:
        return qb
    if rounding is Rounding.RND_ZERO:
        return qb & (neg | r)
    if rounding is Rounding.RND_MIN_INF:
        return qb & r
    if rounding is Rounding.RND_INF:
        return qb & (~neg | r) if not isinstance(neg, bool) else qb & ((not neg) | r)
    if rounding is Rounding.RND_CONV:
        return qb & (q_odd | r)
    return neg & (qb | r)  # TRN_ZERO


def _rescale_int(
    c: int, d: int, width: int, signed: bool, rounding: Rounding, overflow: Overflow
) -> tuple[int, int]:
    """Exact scalar reference: round ``c * 2**-d``, then apply ``overflow`` to ``width`` bits.

    Returns ``(code, flag)`` with flag 1 for overflow, -1 for underflow, 0 otherwise.
    """
    if d > 0:
        q = c >> d
        rem = c - (q << d)
        half = 1 << (d - 1)
        qb = rem >= half
        r = (rem - half if qb else rem) != 0
        n = q + int(_round_increment(rounding, c < 0, qb, r, bool(q & 1)))
    else:
        n = c << -d
    overflow = _effective_overflow(overflow, width, signed)
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if overflow is Overflow.SAT_SYM and signed:
        lo += 1
    if lo <= n <= hi:
        return n, 0
    flag = 1 if n > hi else -1
    if overflow is Overflow.WRAP:
        n &= (1 << width) - 1
        if signed and n >> (width - 1):
            n -= 1 << width
        return n, flag
    if overflow is Overflow.SAT_ZERO:
        return 0, flag
    return (hi if flag > 0 else lo), flag


class _Numpy:
    """Array operations the vectorized core needs (numpy flavour)."""

    where = staticmethod(np.where)
    minimum = staticmethod(np.minimum)

    @staticmethod
    def clip(x, lo, hi):
        return np.clip(x, lo, hi)

    @staticmethod
    def full_like(x, value):
        return np.full_like(x, value)

    @staticmethod
    def as_int(mask):
        return mask.astype(np.int64)


def _rescale_fast(c, d, width: int, signed: bool, rounding: Rounding, overflow: Overflow, xp):
    """Vectorized `_rescale_int` in int64: ``|c| < 2**60``, ``width <= 62``.

    ``c`` and ``d`` are int64 arrays of the same shape (``d`` may be per element).
    Returns ``(codes, over, under)``.
    """
    overflow = _effective_overflow(overflow, width, signed)
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    one = xp.full_like(c, 1)
    neg = c < 0
    # d > 0: drop d bits, round. Shifting by 62 already leaves only the sign.
    dr = xp.clip(d, 1, 62)
    q = c >> dr
    qb = ((c >> (dr - 1)) & 1) != 0
    r = (c & ((one << (dr - 1)) - 1)) != 0
    n = q + xp.as_int(_round_increment(rounding, neg, qb, r, (q & 1) != 0))
    right_v = n & ((1 << width) - 1)
    # d <= 0: shift left by sl; range check without forming c << sl.
    sl = xp.clip(-d, 0, 63)
    left_over = c > (xp.full_like(c, hi) >> sl)
    left_under = c < -(xp.full_like(c, -lo) >> sl)
    slw = xp.minimum(sl, xp.full_like(c, width))
    left_v = (c & ((one << (width - slw)) - 1)) << slw
    right = d > 0
    wrapped = xp.where(right, right_v, left_v)
    if signed:
        wrapped = xp.where(wrapped > hi, wrapped - (1 << width), wrapped)
    over = xp.where(right, n > hi, left_over)
    under = xp.where(right, n < lo, left_under)
    if overflow is Overflow.WRAP:
        return wrapped, over, under
    if overflow is Overflow.SAT_SYM and signed:
        under = under | ((wrapped == lo) & ~over)
        lo += 1
    if overflow is Overflow.SAT_ZERO:
        out = xp.where(over | under, xp.full_like(c, 0), wrapped)
    else:
        out = xp.where(over, xp.full_like(c, hi), xp.where(under, xp.full_like(c, lo), wrapped))
    return out, over, under


def _rescale(c, d, dst_width: int, dst_signed: bool, rounding, overflow, stats):
    """Dispatch between the int64 core and the exact Python-int path."""
    c = np.asarray(c)
    d = np.broadcast_to(np.asarray(d, dtype=np.int64), c.shape)
    fast = dst_width <= FAST_DST_WIDTH and c.dtype != object
    if fast and c.size:
        fast = c.dtype == np.int64 and _max_abs(c) < (1 << FAST_SRC_BITS)
    if fast or c.size == 0:
        c64 = c.astype(np.int64)
        out, over, under = _rescale_fast(
            c64, np.ascontiguousarray(d), dst_width, dst_signed, rounding, overflow, _Numpy
        )
    else:
        pairs = [
            _rescale_int(int(ci), int(di), dst_width, dst_signed, rounding, overflow)
            for ci, di in zip(c.reshape(-1).tolist(), d.reshape(-1).tolist(), strict=True)
        ]
        codes = [p[0] for p in pairs]
        flags = np.array([p[1] for p in pairs], dtype=np.int8).reshape(c.shape)
        dtype = np.int64 if _fits(dst_width, dst_signed) else object
        out = np.empty(c.shape, dtype=dtype)
        out.reshape(-1)[...] = codes if dtype is object else np.array(codes, dtype=np.int64)
        over, under = flags > 0, flags < 0
    if stats is not None:
        stats.record(over, under)
    return out


def _max_abs(c: np.ndarray) -> int:
    return max(-int(c.min()), int(c.max()))


def _fits(width: int, signed: bool) -> bool:
    return width <= 64 if signed else width <= 63


# -- public API --------------------------------------------------------------------


def double_to_scaled(x: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split float64 values the way ap_fixed's double constructor does: x == c * 2**-f.

    ``c`` is the signed 53-bit significand (implicit bit always set) and ``f`` the
    number of fractional bits. Like ap_fixed, ±0 gives c = 0; subnormals keep the
    implicit bit (value 1.m * 2**-1023); inf and NaN read as ±1.m * 2**1024.
    """
    bits = np.ascontiguousarray(np.asarray(x, dtype=np.float64)).view(np.uint64)
    exp = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    man = (bits & np.uint64((1 << 52) - 1)).astype(np.int64) | (1 << 52)
    man = np.where((bits >> np.uint64(63)) != 0, -man, man)
    man = np.where((bits & np.uint64(_INT64_MAX)) == 0, 0, man)
    return man, 52 - exp


def quantize(x: Any, t: Fixed, *, stats: OverflowStats | None = None) -> np.ndarray:
    """Codes of ``ap_fixed<...> v = (double)x`` for every element of ``x``.

    The double is taken exactly, then rounded with ``t.rounding`` and brought into
    range with ``t.overflow``. NaN and ±inf behave as in ap_fixed (huge values of that
    sign: 0 under WRAP, saturated under SAT); see docs/numerics.md.
    """
    _check_fixed(t, "quantize")
    c, f = double_to_scaled(x)
    return _rescale(c, f - t.frac_bits, t.width, t.signed, t.rounding, t.overflow, stats)


def cast(codes: Any, src: Fixed, dst: Fixed, *, stats: OverflowStats | None = None) -> np.ndarray:
    """Codes of ``dst = src`` between ap_fixed types.

    Extra fractional bits are rounded with ``dst.rounding``; out-of-range values are
    handled by ``dst.overflow``. Pass ``stats=OverflowStats()`` to count overflows.
    """
    _check_fixed(src, "cast")
    _check_fixed(dst, "cast")
    c = _check_codes(codes, src)
    return _rescale(
        c, src.frac_bits - dst.frac_bits, dst.width, dst.signed, dst.rounding, dst.overflow, stats
    )


def _binary(a, ta, b, tb, rt: Fixed | Int, op: str):
    fa, fb = _fixed_view(ta), _fixed_view(tb)
    a, b = _check_codes(a, fa), _check_codes(b, fb)
    dtype = np.int64 if fits_int64(rt) else object
    a, b = a.astype(dtype), b.astype(dtype)
    if op == "mul":
        return a * b
    frac = rt.frac_bits
    a = a << (frac - fa.frac_bits)
    b = b << (frac - fb.frac_bits)
    return a + b if op == "add" else a - b


def add(a: Any, ta: NumericType, b: Any, tb: NumericType) -> tuple[np.ndarray, NumericType]:
    """Exact ``a + b`` in ``add_type(ta, tb)``; returns ``(codes, result_type)``."""
    rt = add_type(ta, tb)
    return _binary(a, ta, b, tb, rt, "add"), rt


def sub(a: Any, ta: NumericType, b: Any, tb: NumericType) -> tuple[np.ndarray, NumericType]:
    """Exact ``a - b`` in ``sub_type(ta, tb)``; returns ``(codes, result_type)``."""
    rt = sub_type(ta, tb)
    return _binary(a, ta, b, tb, rt, "sub"), rt


def mul(a: Any, ta: NumericType, b: Any, tb: NumericType) -> tuple[np.ndarray, NumericType]:
    """Exact ``a * b`` in ``mul_type(ta, tb)``; returns ``(codes, result_type)``."""
    rt = mul_type(ta, tb)
    return _binary(a, ta, b, tb, rt, "mul"), rt


def to_float(codes: Any, t: NumericType) -> np.ndarray:
    """Real values as float64: ``code * 2**-frac_bits`` (``code * scale`` for a scaled Int).

    Exact whenever the value is representable; otherwise correctly rounded once
    (int to float64), then scaled by a power of two.
    """
    c = np.asarray(codes)
    if c.dtype == object:
        flat = [math.ldexp(float(v), 0) for v in c.reshape(-1).tolist()]
        values = np.array(flat, dtype=np.float64).reshape(c.shape)
    else:
        values = c.astype(np.float64)
    if isinstance(t, Int):
        return values if t.scale is None else values * t.scale.broadcast(values.shape)
    _check_fixed(t, "to_float")
    return np.ldexp(values, -t.frac_bits)


def requantize(
    acc: Any,
    multiplier: int,
    shift: int,
    rounding: Rounding | str | None = None,
    out: Fixed | Int | None = None,
    overflow: Overflow | str | None = None,
    *,
    stats: OverflowStats | None = None,
) -> np.ndarray:
    """The hardware requantize step: ``(acc * multiplier) >> shift`` with rounding, then overflow.

    ``acc`` are integer codes; ``multiplier`` an integer (1 for a pure power-of-two
    rescale); ``shift`` the arithmetic right shift (negative shifts left). The dropped
    bits are rounded with ``rounding`` (default: ``out.rounding`` for a Fixed, RND
    otherwise) and the result is wrapped or saturated to ``out``'s width and
    signedness with ``overflow`` (default: ``out.overflow`` for a Fixed, SAT otherwise).
    The codes returned are ``out``'s codes.
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
    if a.dtype != object and a.size:
        bound = _max_abs(a.astype(np.int64)) * abs(multiplier)
        product = a.astype(np.int64) * multiplier if bound <= _INT64_MAX else None
    else:
        product = None
    if product is None:
        product = a.astype(object) * multiplier
    return _rescale(product, shift, out.width, out.signed, rounding, overflow, stats)


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


# -- helpers -----------------------------------------------------------------------


def _check_fixed(t: object, where: str) -> None:
    if not isinstance(t, Fixed):
        raise NumericTypeError(f"{where} needs a Fixed type, got {t!r}.")


def _fixed_view(t: NumericType) -> Fixed:
    if isinstance(t, Int):
        return t.as_fixed()
    _check_fixed(t, "arithmetic")
    return t


def _int_param(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NumericTypeError(f"requantize {what} must be an integer, got {value!r}.")
    return int(value)


def _check_codes(codes: Any, t: Fixed) -> np.ndarray:
    c = np.asarray(codes)
    if c.dtype != object and not np.issubdtype(c.dtype, np.integer):
        raise NumericTypeError(f"Codes of {t} must be integers, got dtype {c.dtype}.")
    if c.dtype != object and c.dtype != np.int64:
        c = c.astype(np.int64)
    if c.size and (c.min() < t.min_code or c.max() > t.max_code):
        raise NumericTypeError(
            f"Codes out of range for {t}: [{c.min()}, {c.max()}] is not within [{t.min_code}, {t.max_code}]."
        )
    return c
