"""Bit-exact emulation of ap_fixed / ap_int casts and arithmetic on integer codes (numpy).

Codes are int64 arrays holding the integer a type stores (real = code * 2**-frac_bits).
Results too wide for int64 (a 73-bit sum, a 64-bit unsigned product) are numpy
object arrays of Python ints, exact. Casts use only integer shifts, masks and
comparisons (`fpgaforge.numerics.rescale`); the hardware requantize step is in
`fpgaforge.numerics.requant`. The semantics, and how they were proven against the
real ``ap_fixed.h``, are in docs/numerics.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fpgaforge.numerics.errors import NumericTypeError
from fpgaforge.numerics.rescale import INT64_MAX, INT64_MIN, rescale
from fpgaforge.numerics.result_types import add_type, mul_type, sub_type
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed, Int, NumericType

__all__ = [
    "add",
    "cast",
    "double_to_scaled",
    "fits_int64",
    "mul",
    "quantize",
    "sub",
    "to_float",
]


def fits_int64(t: NumericType) -> bool:
    """Whether every code of ``t`` fits an int64 (otherwise codes are object arrays)."""
    return t.min_code >= INT64_MIN and t.max_code <= INT64_MAX


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
    man = np.where((bits & np.uint64(INT64_MAX)) == 0, 0, man)
    return man, 52 - exp


def quantize(x: Any, t: Fixed, *, stats: OverflowStats | None = None) -> np.ndarray:
    """Codes of ``ap_fixed<...> v = (double)x`` for every element of ``x``.

    The double is taken exactly, then rounded with ``t.rounding`` and brought into
    range with ``t.overflow``. NaN and ±inf behave as in ap_fixed (huge values of that
    sign: 0 under WRAP, saturated under SAT); see docs/numerics.md.
    """
    _check_fixed(t, "quantize")
    c, f = double_to_scaled(x)
    return rescale(c, f - t.frac_bits, t.width, t.signed, t.rounding, t.overflow, stats)


def cast(codes: Any, src: Fixed, dst: Fixed, *, stats: OverflowStats | None = None) -> np.ndarray:
    """Codes of ``dst = src`` between ap_fixed types.

    Extra fractional bits are rounded with ``dst.rounding``; out-of-range values are
    handled by ``dst.overflow``. Pass ``stats=OverflowStats()`` to count overflows.
    """
    _check_fixed(src, "cast")
    _check_fixed(dst, "cast")
    c = _check_codes(codes, src)
    return rescale(
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


# -- helpers -----------------------------------------------------------------------


def _check_fixed(t: object, where: str) -> None:
    if not isinstance(t, Fixed):
        raise NumericTypeError(f"{where} needs a Fixed type, got {t!r}.")


def _fixed_view(t: NumericType) -> Fixed:
    if isinstance(t, Int):
        return t.as_fixed()
    _check_fixed(t, "arithmetic")
    return t


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
