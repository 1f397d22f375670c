"""`fpgaforge dse`: the table of design points, the Pareto front marked with `*`."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.table import Table

from fpgaforge.report.numbers import optional, percent

COLUMNS = (
    "",
    "board",
    "quant",
    "mode",
    "scheduled",
    "inferences/s",
    "latency",
    "energy/inf",
    "power",
    "max resource %",
    "bound",
)
LEFT = ("board", "quant", "mode", "scheduled", "bound")


def point_row(p: dict[str, Any]) -> tuple[str, ...]:
    """One design point's cells; a point that failed shows the start of its error sentence."""
    if "error" in p:
        return (
            "",
            p["board"],
            p["quant"],
            p["mode"],
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            escape(p["error"][:60]),
        )
    return (
        "*" if p["pareto"] else "",
        p["board"],
        p["quant"],
        p["mode"],
        p["scheduled_mode"],
        optional(p["throughput"], ".4g"),
        optional(p["latency_s"], ".3g") + " s",
        optional(p["energy_per_inference_j"], ".3g") + " J",
        optional(p["power_w"], ".2f") + " W",
        percent(100 * p["resource_fraction"]),
        p["bound"],
    )


def points_table(result: dict[str, Any]) -> Table:
    """Every point of an `explore` result, sorted as it is (board, quant, mode)."""
    table = Table(
        title=f"{escape(result['model'])}: design points (* = Pareto front)", title_justify="left"
    )
    for column in COLUMNS:
        table.add_column(column, justify="right" if column not in LEFT else "left")
    for p in result["points"]:
        table.add_row(*point_row(p))
    return table
