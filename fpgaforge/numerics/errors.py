"""The error numeric code raises, and the integer-argument check that raises it."""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import FpgaforgeError


class NumericTypeError(FpgaforgeError):
    """A numeric type is malformed, or an operation does not apply to it."""


def check_int(value: object, what: str) -> int:
    """``value`` as a Python int; `NumericTypeError` naming ``what`` unless it is an integer."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise NumericTypeError(f"{what} must be an integer, got {value!r}.")
    return int(value)
