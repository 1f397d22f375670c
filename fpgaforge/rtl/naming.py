"""Verilog names for the RTL backend (the shared rules live in `fpgaforge.names`).

Identifiers are at most 40 characters, never a Verilog keyword, never start with
the library's own `ff_` prefix, and are unique regardless of case."""

from __future__ import annotations

from functools import partial

from fpgaforge.names import VERILOG_KEYWORDS, Namer, identifier
from fpgaforge.names import comment_safe as _comment_safe

LIMIT = 40
sanitize = partial(identifier, keywords=VERILOG_KEYWORDS, limit=LIMIT, reserved_prefixes=("ff_",))


def comment_safe(text: str, limit: int = 80) -> str:
    """`text` made harmless inside a Verilog comment, at most `limit` characters."""
    return _comment_safe(text, limit)


class NameTable(Namer):
    """Unique Verilog identifiers (`claim` gives a fresh one per call)."""

    def __init__(self) -> None:
        super().__init__(
            keywords=VERILOG_KEYWORDS, limit=LIMIT, reserved_prefixes=("ff_",), fold_case=True
        )
