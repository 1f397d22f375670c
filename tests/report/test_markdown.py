"""Markdown tables as the bench scripts print them."""

from __future__ import annotations

from fpgaforge.report import markdown


def test_row_and_rule() -> None:
    assert markdown.row(("mlp", "`fixed:8,3`", 100)) == "| mlp | `fixed:8,3` | 100 |"
    assert markdown.rule(3) == "|---|---|---|"
    assert markdown.rule(4, right=(2, 3)) == "|---|---|---:|---:|"


def test_table() -> None:
    text = markdown.table(
        ("model", "method", "W", "test accuracy"),
        [("digits_cnn", "float", "-", "97.25%"), ("digits_cnn", "QFX", "8", "96.00%")],
        right=(2, 3),
    )
    assert text == (
        "| model | method | W | test accuracy |\n"
        "|---|---|---:|---:|\n"
        "| digits_cnn | float | - | 97.25% |\n"
        "| digits_cnn | QFX | 8 | 96.00% |"
    )
    assert markdown.table(("a", "b"), []) == "| a | b |\n|---|---|"
