"""Errors of the HLS backend (one sentence each, exit code 2 on the command line)."""

from __future__ import annotations

from fpgaforge.errors import FpgaforgeError


class HlsError(FpgaforgeError):
    """Base class of HLS backend errors."""


class HlsUnsupportedError(HlsError):
    """A node of the quantized graph has no HLS kernel (or a variant the kernels do not cover)."""


class CsimError(HlsError):
    """C-simulation could not run: missing project files, g++ failure or unreadable output."""
