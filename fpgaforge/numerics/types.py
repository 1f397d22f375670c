"""Numeric types: frozen, self-validating value objects with ap_fixed / ap_int semantics.

`Fixed(width, int_bits, signed, rounding, overflow)` is Vitis HLS
`ap_fixed<W,I,Q,O>` (`ap_ufixed` when unsigned); `Int(bits, signed, scale)` is
`ap_int<W>` / `ap_uint<W>` plus a real-valued `Scale`. A tensor of either type is
stored as integer *codes*: real value = code * 2**-frac_bits for `Fixed`,
code * scale for `Int`. The modes are in `fpgaforge.numerics.modes`, the scales in
`fpgaforge.numerics.scale`, the result-type rules of arithmetic in
`fpgaforge.numerics.result_types`; see docs/numerics.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from fpgaforge.numerics.errors import NumericTypeError, check_int
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.scale import Scale

#: Widest type the ap_types headers accept with their default AP_INT_MAX_W.
MAX_WIDTH = 1024
#: Bound on |int_bits| (the headers have none; this keeps 2**frac_bits sane).
MAX_INT_BITS = 1 << 15


def _check_width(width: object, what: str) -> int:
    width = check_int(width, what)
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
        int_bits = check_int(self.int_bits, "Fixed int_bits")
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
