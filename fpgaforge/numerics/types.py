"""Numeric types: frozen, self-validating value objects with ap_fixed / ap_int semantics.

`Fixed(width, int_bits, signed, rounding, overflow)` is Vitis HLS
`ap_fixed<W,I,Q,O>` (`ap_ufixed` when unsigned); `Int(bits, signed, scale)` is
`ap_int<W>` / `ap_uint<W>` plus a real-valued scale. A tensor of either type is
stored as integer *codes*: real value = code * 2**-frac_bits for `Fixed`,
code * scale for `Int`. The result-type rules (`add_type`, `sub_type`,
`mul_type`) are those of the `RType` traits in `ap_fixed_base.h` and
`ap_int_base.h`; see docs/numerics.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

import numpy as np

from fpgaforge.errors import FpgaforgeError

#: Widest type the ap_types headers accept with their default AP_INT_MAX_W.
MAX_WIDTH = 1024
#: Bound on |int_bits| (the headers have none; this keeps 2**frac_bits sane).
MAX_INT_BITS = 1 << 15


class NumericTypeError(FpgaforgeError):
    """A numeric type is malformed, or an operation does not apply to it."""


class Rounding(StrEnum):
    """ap_fixed quantization mode (what happens to bits below the LSB)."""

    TRN = "TRN"  #: truncate: toward minus infinity (default)
    RND = "RND"  #: round to nearest, ties toward plus infinity
    RND_ZERO = "RND_ZERO"  #: round to nearest, ties toward zero
    RND_MIN_INF = "RND_MIN_INF"  #: round to nearest, ties toward minus infinity
    RND_INF = "RND_INF"  #: round to nearest, ties away from zero
    RND_CONV = "RND_CONV"  #: round to nearest, ties to even
    TRN_ZERO = "TRN_ZERO"  #: truncate toward zero

    @property
    def cpp(self) -> str:
        """C++ spelling, e.g. ``AP_RND``."""
        return f"AP_{self.value}"

    @classmethod
    def coerce(cls, value: Rounding | str) -> Rounding:
        """Accept a `Rounding`, ``"RND"`` or ``"AP_RND"``."""
        return _coerce_mode(cls, value, "rounding")


class Overflow(StrEnum):
    """ap_fixed overflow mode (what happens to values outside the range)."""

    WRAP = "WRAP"  #: keep the low bits, two's complement wrap-around (default)
    SAT = "SAT"  #: clamp to [min, max]
    SAT_ZERO = "SAT_ZERO"  #: any out-of-range value becomes zero
    SAT_SYM = "SAT_SYM"  #: clamp to [-max, max] (signed: the most negative code is never produced)

    @property
    def cpp(self) -> str:
        """C++ spelling, e.g. ``AP_SAT``."""
        return f"AP_{self.value}"

    @classmethod
    def coerce(cls, value: Overflow | str) -> Overflow:
        """Accept an `Overflow`, ``"SAT"`` or ``"AP_SAT"``."""
        return _coerce_mode(cls, value, "overflow")


def _coerce_mode(cls, value, what: str):
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        name = value.strip().upper()
        name = name[3:] if name.startswith("AP_") else name
        if name in cls.__members__:
            return cls[name]
    choices = ", ".join(cls.__members__)
    raise NumericTypeError(f"Unknown {what} mode {value!r}; expected one of {choices}.")


def _check_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NumericTypeError(f"{what} must be an integer, got {value!r}.")
    return int(value)


def _check_width(width: object, what: str) -> int:
    width = _check_int(width, what)
    if width < 1:
        raise NumericTypeError(f"{what} must be at least 1 bit, got {width}.")
    if width > MAX_WIDTH:
        raise NumericTypeError(
            f"{what} must be at most {MAX_WIDTH} bits (the ap_types default AP_INT_MAX_W), got {width}."
        )
    return width


def _code_range(width: int, signed: bool) -> tuple[int, int]:
    if signed:
        return -(1 << (width - 1)), (1 << (width - 1)) - 1
    return 0, (1 << width) - 1


@dataclass(frozen=True)
class Fixed:
    """`ap_fixed<width, int_bits, rounding, overflow>` (``ap_ufixed`` when not signed).

    ``int_bits`` counts the sign bit for signed types and may be negative or larger
    than ``width``, exactly as ap_fixed allows. Codes are the stored integers:
    real value = code * 2**-frac_bits.
    """

    width: int
    int_bits: int
    signed: bool = True
    rounding: Rounding = Rounding.TRN
    overflow: Overflow = Overflow.WRAP

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", _check_width(self.width, "Fixed width"))
        int_bits = _check_int(self.int_bits, "Fixed int_bits")
        if abs(int_bits) > MAX_INT_BITS:
            raise NumericTypeError(
                f"Fixed int_bits must be within ±{MAX_INT_BITS}, got {int_bits}."
            )
        object.__setattr__(self, "int_bits", int_bits)
        if not isinstance(self.signed, bool | np.bool_):
            raise NumericTypeError(f"Fixed signed must be True or False, got {self.signed!r}.")
        object.__setattr__(self, "signed", bool(self.signed))
        object.__setattr__(self, "rounding", Rounding.coerce(self.rounding))
        object.__setattr__(self, "overflow", Overflow.coerce(self.overflow))

    # -- ranges ---------------------------------------------------------------
    @property
    def frac_bits(self) -> int:
        """Number of fractional bits, ``width - int_bits`` (may be negative)."""
        return self.width - self.int_bits

    @property
    def min_code(self) -> int:
        """Smallest stored integer."""
        return _code_range(self.width, self.signed)[0]

    @property
    def max_code(self) -> int:
        """Largest stored integer."""
        return _code_range(self.width, self.signed)[1]

    @property
    def lsb(self) -> Fraction:
        """Real value of one code step, 2**-frac_bits, exact."""
        return Fraction(2) ** -self.frac_bits

    @property
    def min_value(self) -> Fraction:
        """Smallest representable real value, exact."""
        return self.min_code * self.lsb

    @property
    def max_value(self) -> Fraction:
        """Largest representable real value, exact."""
        return self.max_code * self.lsb

    # -- spelling -------------------------------------------------------------
    def _modes(self, rounding: str, overflow: str) -> str:
        if self.overflow is not Overflow.WRAP:
            return f",{rounding},{overflow}"
        if self.rounding is not Rounding.TRN:
            return f",{rounding}"
        return ""

    def cpp(self) -> str:
        """C++ type, e.g. ``ap_fixed<8,3,AP_RND,AP_SAT>``; default modes are omitted."""
        name = "ap_fixed" if self.signed else "ap_ufixed"
        modes = self._modes(self.rounding.cpp, self.overflow.cpp)
        return f"{name}<{self.width},{self.int_bits}{modes}>"

    def __str__(self) -> str:
        name = "fixed" if self.signed else "ufixed"
        modes = self._modes(self.rounding.value, self.overflow.value)
        return f"{name}<{self.width},{self.int_bits}{modes}>"

    @property
    def verilog_width(self) -> int:
        """Bit width of the Verilog signal carrying the code."""
        return self.width

    @property
    def verilog_signed(self) -> bool:
        """Whether the Verilog signal is declared ``signed``."""
        return self.signed

    _PATTERN = re.compile(
        r"^\s*(?:ap_)?(u?)fixed\s*<\s*(-?\d+)\s*,\s*(-?\d+)\s*"
        r"(?:,\s*(\w+)\s*(?:,\s*(\w+)\s*(?:,\s*(\d+)\s*)?)?)?>\s*$"
    )

    @classmethod
    def parse(cls, text: str) -> Fixed:
        """Parse ``fixed<8,3>``, ``ufixed<8,3,RND,SAT>`` or ``ap_fixed<8,3,AP_RND,AP_SAT>``."""
        match = cls._PATTERN.match(text) if isinstance(text, str) else None
        if match is None:
            raise NumericTypeError(
                f"Cannot parse {text!r} as a fixed-point type; expected for example 'fixed<8,3>' or 'ap_ufixed<8,3,AP_RND,AP_SAT>'."
            )
        unsigned, width, int_bits, rounding, overflow, sat_bits = match.groups()
        if sat_bits is not None and int(sat_bits) != 0:
            raise NumericTypeError(
                f"Fixed type {text!r} uses saturation bits N={sat_bits}; only N=0 is supported."
            )
        return cls(
            int(width),
            int(int_bits),
            signed=not unsigned,
            rounding=rounding or Rounding.TRN,
            overflow=overflow or Overflow.WRAP,
        )

    def with_modes(
        self, rounding: Rounding | str | None = None, overflow: Overflow | str | None = None
    ) -> Fixed:
        """The same width and range with other rounding / overflow modes."""
        return Fixed(
            self.width,
            self.int_bits,
            self.signed,
            self.rounding if rounding is None else rounding,
            self.overflow if overflow is None else overflow,
        )


# -- scales -------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Real value of one code step of an `Int` tensor: per tensor, per channel or per group.

    ``values`` holds one positive float per tensor / channel / group; ``axis`` is the
    channel axis (None for per-tensor); ``group_size`` splits that axis into groups of
    consecutive elements. Power-of-two scales also keep their integer ``exponents``
    (value = 2.0**exponent), which lets hardware replace the multiply by a shift.
    Use the constructors `per_tensor`, `per_channel`, `per_group`, `pow2`.
    """

    values: tuple[float, ...]
    axis: int | None = None
    group_size: int | None = None
    exponents: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        values = tuple(float(v) for v in _as_sequence(self.values, "Scale values"))
        if not values:
            raise NumericTypeError("Scale needs at least one value.")
        for v in values:
            if not (math.isfinite(v) and v > 0):
                raise NumericTypeError(f"Scale values must be finite and positive, got {v!r}.")
        object.__setattr__(self, "values", values)
        if self.axis is None:
            if self.group_size is not None:
                raise NumericTypeError("A per-group Scale needs an axis.")
            if len(values) != 1:
                raise NumericTypeError(
                    f"A per-tensor Scale has exactly one value, got {len(values)}; give an axis for per-channel scales."
                )
        else:
            object.__setattr__(self, "axis", _check_int(self.axis, "Scale axis"))
        if self.group_size is not None:
            size = _check_int(self.group_size, "Scale group_size")
            if size < 1:
                raise NumericTypeError(f"Scale group_size must be at least 1, got {size}.")
            object.__setattr__(self, "group_size", size)
        if self.exponents is not None:
            exps = tuple(
                _check_int(e, "Scale exponent")
                for e in _as_sequence(self.exponents, "Scale exponents")
            )
            if len(exps) != len(values) or any(
                math.ldexp(1.0, e) != v for e, v in zip(exps, values, strict=True)
            ):
                raise NumericTypeError("Scale exponents must match values (value = 2**exponent).")
            object.__setattr__(self, "exponents", exps)

    @classmethod
    def per_tensor(cls, value: float) -> Scale:
        """One scale for the whole tensor."""
        return cls((value,))

    @classmethod
    def per_channel(cls, values: Iterable[float], axis: int) -> Scale:
        """One scale per index along ``axis``."""
        return cls(tuple(values), axis=axis)

    @classmethod
    def per_group(cls, values: Iterable[float], axis: int, group_size: int) -> Scale:
        """One scale per ``group_size`` consecutive indices along ``axis``."""
        return cls(tuple(values), axis=axis, group_size=group_size)

    @classmethod
    def pow2(
        cls, exponents: int | Iterable[int], axis: int | None = None, group_size: int | None = None
    ) -> Scale:
        """Power-of-two scales 2**exponent (per tensor when ``exponents`` is one int)."""
        exps = (exponents,) if isinstance(exponents, int | np.integer) else tuple(exponents)
        exps = tuple(_check_int(e, "Scale exponent") for e in exps)
        for e in exps:
            if not -1074 <= e <= 1023:
                raise NumericTypeError(
                    f"Scale exponent must be within a float64's range [-1074, 1023], got {e}."
                )
        return cls(
            tuple(math.ldexp(1.0, e) for e in exps),
            axis=axis,
            group_size=group_size,
            exponents=exps,
        )

    @property
    def granularity(self) -> str:
        """``"tensor"``, ``"channel"`` or ``"group"``."""
        if self.axis is None:
            return "tensor"
        return "channel" if self.group_size is None else "group"

    @property
    def is_pow2(self) -> bool:
        """Whether every scale is a power of two (``exponents`` is set)."""
        return self.exponents is not None

    def broadcast(self, shape: Sequence[int]) -> np.ndarray:
        """The scales as a float64 array broadcastable against a tensor of ``shape``."""
        values = np.asarray(self.values, dtype=np.float64)
        if self.axis is None:
            return values.reshape((1,) * len(shape))
        ndim = len(shape)
        if not -ndim <= self.axis < ndim:
            raise NumericTypeError(
                f"Scale axis {self.axis} is out of range for a tensor of shape {tuple(shape)}."
            )
        axis = self.axis % ndim
        length = shape[axis]
        groups = 1 if self.group_size is None else self.group_size
        expected = -(-length // groups)
        if len(values) != expected:
            raise NumericTypeError(
                f"Scale has {len(values)} values but axis {axis} of shape {tuple(shape)} needs {expected}."
            )
        per_index = np.repeat(values, groups)[:length]
        view = [1] * ndim
        view[axis] = length
        return per_index.reshape(view)


def _as_sequence(values: object, what: str) -> tuple:
    if isinstance(values, int | float | np.number):
        return (values,)
    try:
        return tuple(np.asarray(values).reshape(-1).tolist())
    except (TypeError, ValueError) as exc:
        raise NumericTypeError(f"{what} must be a number or a sequence of numbers.") from exc


@dataclass(frozen=True)
class Int:
    """`ap_int<bits>` (``ap_uint`` when not signed) with an optional real `Scale`.

    real value = code * scale (symmetric: no zero point).
    """

    bits: int
    signed: bool = True
    scale: Scale | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "bits", _check_width(self.bits, "Int bits"))
        if not isinstance(self.signed, bool | np.bool_):
            raise NumericTypeError(f"Int signed must be True or False, got {self.signed!r}.")
        object.__setattr__(self, "signed", bool(self.signed))
        if self.scale is not None and not isinstance(self.scale, Scale):
            raise NumericTypeError(f"Int scale must be a Scale or None, got {self.scale!r}.")

    @property
    def width(self) -> int:
        """Alias of ``bits``."""
        return self.bits

    @property
    def frac_bits(self) -> int:
        """Always 0: codes are integers (the scale lives outside the code)."""
        return 0

    @property
    def min_code(self) -> int:
        """Smallest stored integer."""
        return _code_range(self.bits, self.signed)[0]

    @property
    def max_code(self) -> int:
        """Largest stored integer."""
        return _code_range(self.bits, self.signed)[1]

    def cpp(self) -> str:
        """C++ type, ``ap_int<8>`` or ``ap_uint<4>``."""
        return f"ap_{'' if self.signed else 'u'}int<{self.bits}>"

    def __str__(self) -> str:
        return f"{'' if self.signed else 'u'}int{self.bits}"

    @property
    def verilog_width(self) -> int:
        """Bit width of the Verilog signal carrying the code."""
        return self.bits

    @property
    def verilog_signed(self) -> bool:
        """Whether the Verilog signal is declared ``signed``."""
        return self.signed

    def as_fixed(self) -> Fixed:
        """The ap_fixed view of the integer code: ``ap_fixed<bits, bits>`` (scale dropped)."""
        return Fixed(self.bits, self.bits, self.signed)

    _PATTERN = re.compile(r"^\s*(?:(?:ap_)?(u?)int\s*<\s*(\d+)\s*>|(u?)int(\d+))\s*$")

    @classmethod
    def parse(cls, text: str) -> Int:
        """Parse ``int8``, ``uint4``, ``int<8>`` or ``ap_uint<4>`` (no scale)."""
        match = cls._PATTERN.match(text) if isinstance(text, str) else None
        if match is None:
            raise NumericTypeError(
                f"Cannot parse {text!r} as an integer type; expected for example 'int8' or 'ap_uint<4>'."
            )
        u1, b1, u2, b2 = match.groups()
        unsigned, bits = (u1, b1) if b1 is not None else (u2, b2)
        return cls(int(bits), signed=not unsigned)


NumericType = Fixed | Int


def parse_type(text: str) -> NumericType:
    """Parse any spelling accepted by `Fixed.parse` or `Int.parse`."""
    if isinstance(text, str) and "fixed" in text:
        return Fixed.parse(text)
    return Int.parse(text)


# -- result types ---------------------------------------------------------------


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
    n = _check_int(n_terms, "accum_type n_terms")
    if n < 1:
        raise NumericTypeError(f"accum_type needs at least 1 term, got {n}.")
    grow = (n - 1).bit_length()  # == ceil(log2(n))
    if isinstance(product_type, Int):
        return Int(product_type.bits + grow, product_type.signed, product_type.scale)
    if isinstance(product_type, Fixed):
        return Fixed(product_type.width + grow, product_type.int_bits + grow, product_type.signed)
    raise NumericTypeError(f"Expected a Fixed or Int type, got {product_type!r}.")
