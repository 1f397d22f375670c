"""Spinners and step bars shown on stderr while a command waits for the library.

Both stay silent when stderr is not a terminal (a pipe, a file, a test) or when the
command was given `--quiet`.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn


class NullStatus:
    """A stand-in for rich's status context that shows nothing."""

    def __enter__(self) -> NullStatus:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, text: str) -> None:
        return None

    def step(self, text: str) -> None:
        return None


def shows(quiet: bool = False) -> bool:
    """True when progress should be drawn: stderr is a terminal and not `--quiet`."""
    return not quiet and sys.stderr.isatty()


def tty_status(text: str, quiet: bool = False) -> Any:
    """A dots spinner on stderr saying `text` when stderr is a terminal, else a `NullStatus`."""
    if not shows(quiet):
        return NullStatus()
    return Console(stderr=True).status(text, spinner="dots")


class Steps:
    """A bar of `total` steps on stderr: `step(text)` finishes the previous step and names
    the next one."""

    def __init__(self, total: int) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("starting", total=total)
        self.started = False

    def __enter__(self) -> Steps:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def step(self, text: str) -> None:
        self.progress.update(self.task, description=text, advance=1 if self.started else 0)
        self.started = True

    update = step


def tty_steps(total: int, quiet: bool = False) -> Any:
    """A `Steps` bar when stderr is a terminal and not `quiet`, else a `NullStatus`."""
    return Steps(total) if shows(quiet) else NullStatus()
