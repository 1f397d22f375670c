"""`fpgaforge synth`: yosys resource counts against the estimate, and the place-and-route line."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from fpgaforge.report.numbers import grouped, optional, seconds


def resources_table(report: dict[str, Any], family: str) -> Table:
    """One row per resource kind: yosys, estimate and their ratio."""
    est_board = report["estimate"].get("board")
    table = Table(
        title=f"{report['top']}: yosys synth for {family} vs the estimate for {est_board}"
    )
    for col in ("resource", "yosys", "estimate", "yosys/estimate"):
        table.add_column(col, justify="right" if col != "resource" else "left")
    for key, row in report["resources"].items():
        digits = 1 if key == "bram" else 0
        table.add_row(
            key,
            grouped(row["yosys"], digits),
            grouped(row["estimate"], digits),
            optional(row["ratio"], ".2f"),
        )
    return table


def pnr_line(pnr: dict[str, Any]) -> str:
    """nextpnr's Fmax against the target clock, and the bitstream."""
    fmax = grouped(pnr.get("fmax_mhz"), 1)
    verdict = "met" if pnr.get("met") else "NOT met"
    return (
        f"nextpnr-ecp5 ({pnr['device']}): Fmax {fmax} MHz, "
        f"target {pnr['target_mhz']:g} MHz {verdict}; bitstream {pnr['bitstream']} "
        f"({pnr['bitstream_bytes']:,} bytes)"
    )


def print_synth(console: Console, report: dict[str, Any], family: str) -> None:
    """The resource table, yosys's time, the place-and-route line (ECP5) and the report file."""
    console.print(resources_table(report, family))
    console.print(
        f"yosys ({report['yosys']['kind']}) took {seconds(report['yosys']['seconds'], 0)}"
    )
    pnr = report.get("pnr")
    if pnr:
        console.print(pnr_line(pnr))
    console.print(f"report: {report['report_file']}")
