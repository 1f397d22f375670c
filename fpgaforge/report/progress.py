"""Spinners shown on stderr while a command waits for the library."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console


class NullStatus:
    """A stand-in for rich's status context that shows nothing."""

    def __enter__(self) -> NullStatus:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, text: str) -> None:
        return None


def tty_status(text: str) -> Any:
    """A dots spinner on stderr saying `text` when stderr is a terminal, else a `NullStatus`."""
    if not sys.stderr.isatty():
        return NullStatus()
    return Console(stderr=True).status(text, spinner="dots")
