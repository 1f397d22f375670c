"""The core of every cast: round ``code * 2**-d``, then apply an overflow mode.

One definition in three forms: `rescale_exact` on Python ints (the reference),
`rescale_fast` vectorized in int64 over numpy or torch operations, and `rescale`,
which picks one of the two for numpy arrays and counts overflows. Only integer
shifts, masks and comparisons; see docs/numerics.md.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.numerics.modes import Overflow, Rounding

# Fast int64 paths: source codes below 2**FAST_SRC_BITS in magnitude, destination widths
# up to FAST_DST_WIDTH bits. Everything else takes the exact Python-int path.
FAST_SRC_BITS = 60
FAST_DST_WIDTH = 62
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
_BLOCK = 1 << 16
"""Elements per block of the vectorized core (numpy)."""


def effective_overflow(overflow: Overflow, width: int, signed: bool) -> Overflow:
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


def rescale_exact(
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
    overflow = effective_overflow(overflow, width, signed)
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


def rescale_fast(c, d, width: int, signed: bool, rounding: Rounding, overflow: Overflow, xp):
    """Vectorized `rescale_exact` in int64: ``|c| < 2**60``, ``width <= 62``.

    ``c`` and ``d`` are int64 arrays of the same shape (``d`` may be per element).
    Returns ``(codes, over, under)``.
    """
    overflow = effective_overflow(overflow, width, signed)
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    one = xp.full_like(c, 1)
    right = d > 0
    # only the branches some element takes are computed
    any_right = bool(right.any())
    any_left = not any_right or not bool(right.all())
    if any_right:
        # d > 0: drop d bits, round. Shifting by 62 already leaves only the sign.
        neg = c < 0
        dr = xp.clip(d, 1, 62)
        q = c >> dr
        qb = ((c >> (dr - 1)) & 1) != 0
        r = (c & ((one << (dr - 1)) - 1)) != 0
        n = q + xp.as_int(_round_increment(rounding, neg, qb, r, (q & 1) != 0))
        right_v = n & ((1 << width) - 1)
        right_over, right_under = n > hi, n < lo
    if any_left:
        # d <= 0: shift left by sl; range check without forming c << sl.
        sl = xp.clip(-d, 0, 63)
        left_over = c > (xp.full_like(c, hi) >> sl)
        left_under = c < -(xp.full_like(c, -lo) >> sl)
        slw = xp.minimum(sl, xp.full_like(c, width))
        left_v = (c & ((one << (width - slw)) - 1)) << slw
    if any_right and any_left:
        wrapped = xp.where(right, right_v, left_v)
        over = xp.where(right, right_over, left_over)
        under = xp.where(right, right_under, left_under)
    elif any_right:
        wrapped, over, under = right_v, right_over, right_under
    else:
        wrapped, over, under = left_v, left_over, left_under
    if signed:
        wrapped = xp.where(wrapped > hi, wrapped - (1 << width), wrapped)
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


def rescale(
    c,
    d,
    dst_width: int,
    dst_signed: bool,
    rounding,
    overflow,
    stats,
    *,
    magnitude=None,
    scratch: bool = False,
):
    """Dispatch between the int64 core and the exact Python-int path. `magnitude`, when
    given, is a known bound on ``|c|`` (saves a pass over the codes); `scratch`: ``c`` is a
    temporary the cast may overwrite (saves a copy)."""
    c = np.asarray(c)
    shifts = np.asarray(d, dtype=np.int64)
    d = np.broadcast_to(shifts, c.shape)
    fast = dst_width <= FAST_DST_WIDTH and c.dtype != object
    if fast and c.size:
        if magnitude is None:
            magnitude = max_abs(c) if c.dtype == np.int64 else None
        fast = c.dtype == np.int64 and magnitude < (1 << FAST_SRC_BITS)
    if fast and c.size and _simple(shifts, dst_width, dst_signed, rounding, overflow):
        return _rescale_simple(
            c,
            shifts,
            dst_width,
            dst_signed,
            rounding,
            overflow,
            stats,
            scratch=scratch,
            magnitude=magnitude,
        )
    if fast or c.size == 0:
        return _rescale_blocks(c, d, dst_width, dst_signed, rounding, overflow, stats)
    pairs = [
        rescale_exact(int(ci), int(di), dst_width, dst_signed, rounding, overflow)
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


def _simple(shifts: np.ndarray, width: int, signed: bool, rounding, overflow) -> bool:
    """Whether `_rescale_simple` computes this cast: right shifts of 1-62 bits, rounding
    TRN or RND, overflow SAT or WRAP."""
    if rounding not in (Rounding.TRN, Rounding.RND):
        return False
    if effective_overflow(overflow, width, signed) not in (Overflow.SAT, Overflow.WRAP):
        return False
    return int(shifts.min()) >= 1 and int(shifts.max()) <= 62


def _rescale_simple(
    c,
    shifts,
    width,
    signed,
    rounding,
    overflow,
    stats,
    *,
    scratch: bool = False,
    magnitude: int | None = None,
) -> np.ndarray:
    """The common casts in a few int64 passes, in place on a `scratch` input: TRN is
    ``c >> d``, RND (half up) is ``(c + 2**(d-1)) >> d`` (|c| < 2**60, so no overflow);
    then saturate or wrap, unless `magnitude` (a bound on ``|c|``) shows that no code can
    leave the destination range."""
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    in_place = scratch and c.dtype == np.int64 and c.flags.writeable
    if rounding is Rounding.RND:
        half = np.int64(1) << (shifts - 1)
        n = np.add(c, half, out=c if in_place else None)
        n >>= shifts
    else:
        n = np.right_shift(c, shifts, out=c if in_place else None)
    if stats is not None:
        stats.record(n > hi, n < lo)
    if magnitude is not None and shifts.size:
        # |c| <= magnitude leaves codes within ±((magnitude >> d) + 1) at the smallest d
        top = (int(magnitude) >> int(shifts.min())) + 1
        if -top >= lo and top <= hi:
            return n
    return saturate_or_wrap(n, width, signed, effective_overflow(overflow, width, signed))


def saturate_or_wrap(n: np.ndarray, width: int, signed: bool, mode: Overflow) -> np.ndarray:
    """The integer codes `n` brought into `width` bits in place: clipped for SAT, wrapped
    (two's complement when `signed`) for WRAP."""
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if mode is Overflow.SAT:
        return np.clip(n, lo, hi, out=n)
    if signed:
        n += 1 << (width - 1)
        n &= (1 << width) - 1
        n -= 1 << (width - 1)
    else:
        n &= (1 << width) - 1
    return n


def _rescale_blocks(c, d, dst_width, dst_signed, rounding, overflow, stats) -> np.ndarray:
    """`rescale_fast` over blocks of `_BLOCK` elements (its temporaries stay in cache);
    a shift shared by all elements is not expanded."""
    flat = np.ascontiguousarray(c, dtype=np.int64).reshape(-1)
    uniform = all(st == 0 for st, n in zip(d.strides, d.shape, strict=True) if n > 1)
    if uniform:
        shifts = np.array([d[(0,) * d.ndim] if d.size else 0], dtype=np.int64)
    else:
        shifts = np.ascontiguousarray(d).reshape(-1)
    out = np.empty(flat.shape, dtype=np.int64)
    for i in range(0, flat.size, _BLOCK):
        part = shifts if uniform else shifts[i : i + _BLOCK]
        codes, over, under = rescale_fast(
            flat[i : i + _BLOCK], part, dst_width, dst_signed, rounding, overflow, _Numpy
        )
        out[i : i + _BLOCK] = codes
        if stats is not None:
            stats.record(over, under)
    return out.reshape(c.shape)


def max_abs(c: np.ndarray) -> int:
    return max(-int(c.min()), int(c.max()))


def _fits(width: int, signed: bool) -> bool:
    return width <= 64 if signed else width <= 63
