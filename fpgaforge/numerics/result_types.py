"""Result types of exact arithmetic: the ap_fixed / ap_int ``RType`` rules.

`add_type`, `sub_type` and `mul_type` are the ``RType<...>::plus``, ``minus`` and
``mult`` traits of ``ap_fixed_base.h`` and ``ap_int_base.h``; `accum_type` widens
a product type so that a sum of n terms cannot overflow. See docs/numerics.md.
"""

from __future__ import annotations

from fpgaforge.numerics.errors import NumericTypeError, check_int
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType


def _plus_int_bits(ia: int, sa: bool, ib: int, sb: bool) -> int:
    # ap_fixed RType: the unsigned operand gains one bit when mixed with a signed one.
    return max(ia + (sb and not sa), ib + (sa and not sb)) + 1


def _check_operands(a: object, b: object) -> None:
    for t in (a, b):
        if not isinstance(t, Fixed | Int):
            raise NumericTypeError(f"Expected a Fixed or Int type, got {t!r}.")


def _as_fixed(t: NumericType) -> Fixed:
    return t.as_fixed() if isinstance(t, Int) else t


def _add_like(a: NumericType, b: NumericType, signed: bool, op: str) -> NumericType:
    _check_operands(a, b)
    if isinstance(a, Int) and isinstance(b, Int):
        if a.scale != b.scale:
            raise NumericTypeError(
                f"Cannot {op} {a} and {b} with different scales; requantize one operand first."
            )
        bits = max(a.bits + (b.signed and not a.signed), b.bits + (a.signed and not b.signed)) + 1
        return Int(bits, signed, a.scale)
    fa, fb = _as_fixed(a), _as_fixed(b)
    int_bits = _plus_int_bits(fa.int_bits, fa.signed, fb.int_bits, fb.signed)
    return Fixed(int_bits + max(fa.frac_bits, fb.frac_bits), int_bits, signed)


def add_type(a: NumericType, b: NumericType) -> NumericType:
    """Exact type of ``a + b``: ap_fixed's ``RType<...>::plus`` (ap_int's for two Ints).

    Signed if either operand is; an unsigned operand mixed with a signed one counts
    one extra integer bit; one more integer bit holds the carry; fractional bits are
    the larger of the two. Modes are the defaults (TRN, WRAP), as in C++.
    """
    return _add_like(a, b, a.signed or b.signed, "add")


def sub_type(a: NumericType, b: NumericType) -> NumericType:
    """Exact type of ``a - b``: as `add_type`, but always signed (``RType::minus``)."""
    return _add_like(a, b, True, "subtract")


def mul_type(a: NumericType, b: NumericType) -> NumericType:
    """Exact type of ``a * b``: widths and integer bits add (``RType<...>::mult``)."""
    _check_operands(a, b)
    signed = a.signed or b.signed
    if isinstance(a, Int) and isinstance(b, Int):
        scale = None
        if a.scale is not None and b.scale is not None:
            if a.scale.granularity != "tensor" or b.scale.granularity != "tensor":
                scale = None
            elif a.scale.is_pow2 and b.scale.is_pow2:
                scale = Scale.pow2(a.scale.exponents[0] + b.scale.exponents[0])
            else:
                scale = Scale.per_tensor(a.scale.values[0] * b.scale.values[0])
        return Int(a.bits + b.bits, signed, scale)
    fa, fb = _as_fixed(a), _as_fixed(b)
    return Fixed(fa.width + fb.width, fa.int_bits + fb.int_bits, signed)


def accum_type(product_type: NumericType, n_terms: int) -> NumericType:
    """Type that holds the exact sum of ``n_terms`` values of ``product_type``.

    The product type widened by ceil(log2(n_terms)) integer bits (same fractional
    bits, same signedness; modes reset to TRN/WRAP). No overflow is possible:
    n * (2**(W-1)) <= 2**(W-1+ceil(log2 n)).
    """
    n = check_int(n_terms, "accum_type n_terms")
    if n < 1:
        raise NumericTypeError(f"accum_type needs at least 1 term, got {n}.")
    grow = (n - 1).bit_length()  # == ceil(log2(n))
    if isinstance(product_type, Int):
        return Int(product_type.bits + grow, product_type.signed, product_type.scale)
    if isinstance(product_type, Fixed):
        return Fixed(product_type.width + grow, product_type.int_bits + grow, product_type.signed)
    raise NumericTypeError(f"Expected a Fixed or Int type, got {product_type!r}.")
