"""What the executor tells the op being executed: where its casts count overflows."""

from __future__ import annotations

from contextvars import ContextVar

from fpgaforge.numerics.stats import OverflowStats

CURRENT_OVERFLOW: ContextVar[OverflowStats | None] = ContextVar("fpgaforge_overflow", default=None)
"""The overflow counter of the node being executed (None when nobody asked); casts add to it."""
