"""Errors the units' RTL builders raise (one sentence each, naming the stage).

`fpgaforge.rtl.errors` re-exports them beside the backend's own errors (tools, projects,
simulation), so `from fpgaforge.rtl.errors import RtlUnsupportedError` keeps working.
"""

from __future__ import annotations

from fpgaforge.errors import FpgaforgeError


class RtlError(FpgaforgeError):
    """Base class of RTL backend errors."""


class RtlUnsupportedError(RtlError):
    """A schedule stage or graph feature has no RTL implementation yet."""


__all__ = ["RtlError", "RtlUnsupportedError"]
