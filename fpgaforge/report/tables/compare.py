"""`fpgaforge compare`: one row per target (FPGA board x precision, CPU, GPU), each saying how
its figures were obtained."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.report.numbers import joules, number, percent, si, watts

COLUMNS = (
    "",
    "target",
    "precision",
    "how",
    "batch",
    "inferences/s",
    "latency (batch 1)",
    "power",
    "energy/inf",
    "resources",
)
LEFT = ("target", "precision", "how", "resources")


def columns(unit: str = "inference") -> tuple[str, ...]:
    """The column titles; a Mamba comparison counts tokens instead of inferences."""
    if unit == "inference":
        return COLUMNS
    renamed = {"inferences/s": f"{unit}s/s", "energy/inf": f"energy/{unit}"}
    return tuple(renamed.get(c, c) for c in COLUMNS)


def how(row: dict[str, Any]) -> str:
    """`estimated`, `measured`, `modeled`, or `measured; power assumed` when figures differ."""
    prov = row.get("provenance") or {}
    main = prov.get("throughput", "-")
    others = sorted({v for k, v in prov.items() if v != main and k in ("power", "energy")})
    return main if not others else f"{main}; power {'/'.join(others)}"


def resources_cell(row: dict[str, Any]) -> str:
    """`DSP 12 LUT 3,456 BRAM 4 (9.1 %)`: used counts and the largest fraction of the budget."""
    res = row.get("resources")
    if not res:
        return "-"
    parts = " ".join(f"{k.upper()} {_compact(res[k])}" for k in ("dsp", "lut", "bram") if k in res)
    return f"{parts} ({percent(100 * row['resource_fraction'], 0)} %)"


def _compact(x: float) -> str:
    """`7521.1` → `7.5k`, `96` → `96`."""
    return f"{x / 1e3:.1f}k" if x >= 1e4 else f"{x:,.0f}"


def row_cells(row: dict[str, Any]) -> tuple[str, ...]:
    if "error" in row:
        return ("", escape(row["target"]), row["precision"], "-", "-", "-", "-", "-", "-", "-")
    power = row.get("power_w")
    energy = row.get("energy_per_inference_j")
    return (
        "*" if row.get("pareto") else "",
        escape(row["target"]),
        escape(row["precision"]),
        how(row),
        str(row["batch"]),
        number(row["throughput"]),
        si(row["latency_s"], "s"),
        watts(power) if power is not None else "-",
        joules(energy) if energy is not None else "-",
        resources_cell(row),
    )


def compare_table(result: dict[str, Any]) -> Table:
    table = Table(
        title=f"{escape(result['model'])}: FPGA estimates beside the CPU and GPU "
        "(* = FPGA Pareto front: throughput, energy, resources)",
        title_justify="left",
    )
    for column in columns(result.get("unit", "inference")):
        table.add_column(column, justify="left" if column in LEFT or not column else "right")
    for row in result["rows"]:
        table.add_row(*row_cells(row))
    return table


def notes(result: dict[str, Any]) -> list[str]:
    """One line per distinct power source and note, and each row's error sentence."""
    lines: list[str] = []
    for row in result["rows"]:
        for text in [row.get("power_source"), *row.get("notes", ())]:
            if text and row["kind"] != "fpga" and text not in lines:
                lines.append(text)
        if "error" in row:
            lines.append(f"{row['target']} {row['precision']}: {row['error']}")
    return lines


def print_compare(console: Console, result: dict[str, Any]) -> None:
    console.print(compare_table(result))
    for line in notes(result):
        console.print(f"note: {escape(line)}", highlight=False)
