"""`fpgaforge estimate`: the per-stage table, the resource table and the summary line."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.report.numbers import joules, number, percent, si, watts

LAYER_COLUMNS = (
    "stage",
    "template",
    "folding",
    "cycles",
    "II",
    "bound",
    "DSP",
    "LUT",
    "BRAM",
    "URAM",
    "MACs",
)
FOLDING_KEYS = ("pe", "simd", "rows", "cols", "lanes", "vector_lanes", "weight_mem")


def folding(layer: dict[str, Any]) -> str:
    """A stage's parallelism as `pe=4 simd=64` (only the keys that are set)."""
    return " ".join(
        f"{k}={v}" for k, v in layer["folding"].items() if k in FOLDING_KEYS and v != "auto"
    )


def layer_table(result: dict[str, Any]) -> Table:
    """One row per stage of an `estimate` result (see `json_shapes.estimate`)."""
    table = Table(
        title=f"{escape(result['model'])} on {result['board']} ({result['quant']}, {result['mode']}, "
        f"{result['clock_mhz']:g} MHz)",
        title_justify="left",
    )
    for column in LAYER_COLUMNS:
        table.add_column(
            column,
            justify="left" if column in ("stage", "template", "folding", "bound") else "right",
            overflow="fold",
        )
    for layer in result["layers"]:
        res = layer["resources"]
        table.add_row(
            escape(layer["name"]),
            layer["kind"],
            escape(folding(layer)),
            number(layer["cycles"]),
            number(layer["ii"]),
            layer["bound"],
            number(res["dsp"]),
            number(res["lut"]),
            number(res["bram"]),
            number(res["uram"]),
            number(layer["macs"]),
        )
    return table


def resource_table(result: dict[str, Any]) -> Table:
    """Used, usable and available amounts of each resource kind."""
    res = Table(title="resources", title_justify="left")
    for column in ("kind", "used", "usable", "available", "% of device"):
        res.add_column(column, justify="right")
    for kind in ("dsp", "lut", "ff", "bram", "uram"):
        r = result["resources"][kind]
        res.add_row(
            kind.upper(),
            number(r["used"]),
            number(r["usable"]),
            number(r["available"]),
            percent(r["percent"]),
        )
    return res


def summary_line(result: dict[str, Any]) -> str:
    """Throughput, latency, bound, power and energy in one sentence."""
    return (
        f"throughput {number(result['throughput'])} inferences/s, latency {si(result['latency_s'], 's')}, "
        f"{result['bound']}-bound; power {watts(result['power_w'])} "
        f"(static {watts(result['static_w'])}), energy {joules(result['energy_per_inference_j'])} per inference"
    )


def print_estimate(console: Console, result: dict[str, Any]) -> None:
    """Per-layer table, resource table, summary line and notes."""
    console.print(layer_table(result))
    console.print(resource_table(result))
    console.print(summary_line(result))
    for note in result["notes"]:
        console.print(f"note: {escape(note)}", highlight=False)
