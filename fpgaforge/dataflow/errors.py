"""Errors of the dataflow scheduler (one sentence each, naming the node or board)."""

from __future__ import annotations

from fpgaforge.errors import FpgaforgeError

__all__ = ["DoesNotFitError", "ScheduleError"]


class ScheduleError(FpgaforgeError):
    """No schedule meets the request (impossible target, unsupported node, bad replay)."""


class DoesNotFitError(ScheduleError):
    """A model does not fit a board in the requested style; the message lists needed vs available."""
