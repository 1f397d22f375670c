"""Errors of the RTL backend (one sentence each, naming the stage, file or tool).

`RtlError` and `RtlUnsupportedError` live in `fpgaforge.units.errors` (the units' RTL
builders raise the latter); they are re-exported here."""

from __future__ import annotations

from fpgaforge.units.errors import RtlError, RtlUnsupportedError


class RtlToolError(RtlError):
    """An external tool (Verilator, Icarus, Yosys, nextpnr) is missing or failed."""


class RtlProjectError(RtlError):
    """An RTL project folder is missing or incomplete."""


class RtlSimMismatchError(RtlError):
    """RTL simulation outputs differ from the expected codes."""


__all__ = [
    "RtlError",
    "RtlProjectError",
    "RtlSimMismatchError",
    "RtlToolError",
    "RtlUnsupportedError",
]
