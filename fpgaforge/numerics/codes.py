"""The integer code of each rounding and overflow mode in the hardware libraries.

The HLS kernels (``enum ff::Rounding`` / ``ff::Overflow`` in
``hls/kernels/ff_common.h``) and the Verilog library (the ``ROUNDING`` and
``OVERFLOW`` parameters of ``rtl/verilog/ff_requant.v``) take a mode as this
integer; the HLS and RTL writers look it up here. tests/numerics/test_codes.py
checks that the C++ and Verilog sources spell the same table.

Keys are `Rounding` / `Overflow` members; since those are string enums, their
names (``"RND"``) look up the same entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from fpgaforge.numerics.modes import Overflow, Rounding

ROUNDING_CODES: Mapping[Rounding, int] = MappingProxyType(
    {
        Rounding.TRN: 0,
        Rounding.RND: 1,
        Rounding.RND_ZERO: 2,
        Rounding.RND_MIN_INF: 3,
        Rounding.RND_INF: 4,
        Rounding.RND_CONV: 5,
        Rounding.TRN_ZERO: 6,
    }
)
"""Rounding mode -> integer code (ap_fixed's quantization modes, in the order they are declared)."""

OVERFLOW_CODES: Mapping[Overflow, int] = MappingProxyType(
    {
        Overflow.WRAP: 0,
        Overflow.SAT: 1,
        Overflow.SAT_ZERO: 2,
        Overflow.SAT_SYM: 3,
    }
)
"""Overflow mode -> integer code."""
