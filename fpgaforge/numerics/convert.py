"""Conversions between real numbers and the codes of any numeric type, and the
multiplier/shift that rescales codes of one type into another."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

from fpgaforge.numerics import fixed, requant
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed, Int, NumericType

MULTIPLIER_BITS = 15
"""Significant bits of a requant multiplier that is not a power of two (a 16-bit signed
constant: one DSP-friendly multiply)."""


CHUNK_ELEMENTS = 1 << 22
"""Elements converted at a time by `quantize_real` (`chunk_slices`): the float64 working
copies of a large weight stay a few tens of MB."""


def chunk_slices(shape: tuple[int, ...], t: NumericType) -> list[tuple[slice, ...]] | None:
    """Index tuples that cover an array of `shape` CHUNK_ELEMENTS elements at a time, cut
    along an axis the scale of `t` does not run along (so each piece broadcasts against the
    whole scale); None when the array is one piece."""
    size = math.prod(shape)
    scale = t.scale if isinstance(t, Int) else None
    scale_axis = None if scale is None or scale.axis is None else scale.axis % max(len(shape), 1)
    axis = 1 if scale_axis == 0 else 0
    if size <= CHUNK_ELEMENTS or len(shape) <= axis:
        return None
    step = max(1, CHUNK_ELEMENTS // (size // shape[axis]))
    return [
        tuple(slice(lo, lo + step) if i == axis else slice(None) for i in range(len(shape)))
        for lo in range(0, shape[axis], step)
    ]


def quantize_real(x: np.ndarray, t: NumericType, stats: OverflowStats | None = None) -> np.ndarray:
    """Codes of real values `x` in type `t` (int64; object for a type wider than int64),
    element by element.

    Fixed: exactly `ap_fixed<...> v = (double)x` (t's rounding and overflow). Scaled Int:
    `round_half_even(x / scale)` saturated to t's range (the float→integer boundary of a
    quantized graph; everything after it is integer arithmetic). A large array is converted
    CHUNK_ELEMENTS at a time (`chunk_slices`).
    """
    return by_chunks(x, t, lambda piece: _quantize_piece(piece, t, stats))


def by_chunks(
    x: np.ndarray,
    t: NumericType,
    convert: Callable[[np.ndarray], np.ndarray],
    dtype: object = None,
) -> np.ndarray:
    """`convert` (an element-by-element conversion of values typed `t`) applied to `x` piece
    by piece (`chunk_slices`), the pieces written into one array of `dtype` (default: the
    first piece's, e.g. object codes of a type wider than int64); `convert(x)` itself when
    `x` is one piece."""
    x = np.asarray(x)
    pieces = chunk_slices(x.shape, t)
    if pieces is None:
        return convert(x)
    first = np.asarray(convert(x[pieces[0]]))
    out = np.empty(x.shape, first.dtype if dtype is None else dtype)
    out[pieces[0]] = first
    for index in pieces[1:]:
        out[index] = convert(x[index])
    return out


def _quantize_piece(x: np.ndarray, t: NumericType, stats: OverflowStats | None) -> np.ndarray:
    if isinstance(t, Fixed):
        return fixed.quantize(x, t, stats=stats)
    scale = 1.0 if t.scale is None else t.scale.broadcast(np.shape(x))
    # one float64 working copy, updated in place (a large weight would otherwise hold four)
    scaled = np.array(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        np.divide(scaled, scale, out=scaled)
        np.rint(scaled, out=scaled)
    np.nan_to_num(scaled, copy=False, nan=0.0, posinf=float(t.max_code), neginf=float(t.min_code))
    if stats is not None:
        stats.record(scaled > t.max_code, scaled < t.min_code)
    np.clip(scaled, t.min_code, t.max_code, out=scaled)
    return scaled.astype(np.int64)


def lsb(t: NumericType) -> np.ndarray:
    """Real value of one code step, as a float64 array (one entry per channel/group for
    per-channel scales, else one entry)."""
    if isinstance(t, Fixed):
        return np.array([math.ldexp(1.0, -t.frac_bits)])
    if t.scale is None:
        return np.array([1.0])
    return np.asarray(t.scale.values, dtype=np.float64)


def lsb_exact(t: NumericType) -> Fraction | None:
    """The lsb as an exact fraction when it is one power of two (Fixed, pow2 per-tensor scales)."""
    if isinstance(t, Fixed):
        return Fraction(2) ** (-t.frac_bits)
    if t.scale is None:
        return Fraction(1)
    if t.scale.is_pow2 and len(t.scale.exponents) == 1:
        return Fraction(2) ** t.scale.exponents[0]
    return None


def rescale_params(
    src: NumericType, dst: NumericType, extra: float = 1.0
) -> tuple[int | tuple, int | tuple]:
    """(multiplier, shift) with `multiplier · 2^-shift ≈ extra · lsb(src) / lsb(dst)`.

    Exact powers of two give multiplier 1 and a pure shift (negative = left); other
    ratios give a `MULTIPLIER_BITS`-bit multiplier. Per-channel ratios give tuples.
    """
    a, b = lsb_exact(src), lsb_exact(dst)
    if a is not None and b is not None and extra == 1.0:
        ratio = a / b
        exponent = (
            ratio.numerator.bit_length() - 1
            if ratio >= 1
            else -(ratio.denominator.bit_length() - 1)
        )
        if Fraction(2) ** exponent == ratio:
            return 1, -exponent
    ratios = extra * lsb(src) / lsb(dst)
    pairs = [_pow2_or_multiplier(float(r)) for r in np.atleast_1d(ratios)]
    if len(pairs) == 1:
        return pairs[0]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def _pow2_or_multiplier(ratio: float) -> tuple[int, int]:
    mantissa, exponent = math.frexp(ratio)
    if mantissa == 0.5:
        return 1, -(exponent - 1)
    return requant.quantize_multiplier(ratio, MULTIPLIER_BITS)


def per_channel(t: NumericType) -> bool:
    return isinstance(t, Int) and t.scale is not None and t.scale.axis is not None
