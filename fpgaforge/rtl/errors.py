"""Errors of the RTL backend (one sentence each, naming the stage, file or tool)."""

from __future__ import annotations

from fpgaforge.errors import FpgaforgeError


class RtlError(FpgaforgeError):
    """Base class of RTL backend errors."""


class RtlUnsupportedError(RtlError):
    """A schedule stage or graph feature has no RTL implementation yet."""


class RtlToolError(RtlError):
    """An external tool (Verilator, Icarus, Yosys, nextpnr) is missing or failed."""


class RtlProjectError(RtlError):
    """An RTL project folder is missing or incomplete."""


class RtlSimMismatchError(RtlError):
    """RTL simulation outputs differ from the expected codes."""
