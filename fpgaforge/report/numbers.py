"""Numbers as the reports print them: table cells, SI units, percentages, cycles, watts, joules.

Every function returns text; none of them prints. The command tables and the
bench scripts format through these so that one quantity reads the same
everywhere.
"""

from __future__ import annotations

import math
from typing import Any

_PREFIXES = (
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
    (1e-9, "n"),
)


def number(x: float) -> str:
    """A table cell: `0`, `inf`, `1.25e+07` (large or small), `14,681.9`, or `4,096` (integers)."""
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    if abs(x) >= 1e5 or abs(x) < 1e-2:
        return f"{x:.3g}"
    return f"{x:,.1f}" if x != int(x) else f"{int(x):,}"


def si(x: float, unit: str) -> str:
    """`3e-07, "s"` → `300 ns`: three significant digits and an SI prefix from G down to n."""
    for factor, prefix in _PREFIXES:
        if abs(x) >= factor:
            return f"{x / factor:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def joules(x: float) -> str:
    """Energy with an SI prefix: `8.64e-08` → `86.4 nJ`."""
    return si(x, "J")


def watts(x: float, digits: int = 2) -> str:
    """Power in watts with fixed decimals: `1.0812` → `1.08 W`."""
    return f"{x:.{digits}f} W"


def seconds(x: float, digits: int = 1) -> str:
    """A duration in seconds with fixed decimals: `2.8013, 2` → `2.80 s`."""
    return f"{x:.{digits}f} s"


def percent(x: float, digits: int = 1) -> str:
    """A value already in percent, without the sign: `61.94` → `61.9`."""
    return f"{x:.{digits}f}"


def cycles(n: Any) -> str:
    """A cycle count as printed: `180 cycles`."""
    return f"{n} cycles"


def ratio(measured: float, estimate: float | None, digits: int = 3) -> str:
    """`measured / estimate` with fixed decimals, or `-` when there is no estimate."""
    return f"{measured / estimate:.{digits}f}" if estimate else "-"


def optional(x: Any, spec: str) -> str:
    """`format(x, spec)` for a number, `-` for anything else (a missing value)."""
    return format(x, spec) if isinstance(x, int | float) else "-"


def grouped(value: float | None, digits: int = 0) -> str:
    """Thousands separators and fixed decimals, `-` for a missing number: `20991.0` → `20,991`."""
    return "-" if value is None else f"{value:,.{digits}f}"


def field(value: Any) -> str:
    """A data-file field: `null` for None, integral floats as integers, numbers with separators."""
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)
