"""Markdown tables, as the bench scripts print them for the docs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def row(cells: Iterable[object]) -> str:
    """`| a | b |`."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def rule(columns: int, right: Sequence[int] = ()) -> str:
    """`|---|---:|`: the header rule, right-aligned (`---:`) for the column indices in `right`."""
    return "|" + "|".join("---:" if i in right else "---" for i in range(columns)) + "|"


def table(
    columns: Sequence[str], rows: Iterable[Iterable[object]], right: Sequence[int] = ()
) -> str:
    """A header, its rule and one line per row, joined by newlines (cells already formatted)."""
    return "\n".join([row(columns), rule(len(columns), right), *(row(r) for r in rows)])
