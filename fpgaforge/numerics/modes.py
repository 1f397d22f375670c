"""ap_fixed rounding and overflow modes as string enums.

`Rounding` is the quantization mode Q of ``ap_fixed<W,I,Q,O>`` (what happens to
bits below the LSB), `Overflow` the overflow mode O (what happens to values
outside the range). Their integer codes in the hardware libraries are in
`fpgaforge.numerics.codes`; see docs/numerics.md.
"""

from __future__ import annotations

from enum import StrEnum

from fpgaforge.numerics.errors import NumericTypeError


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
