"""The sections of the HTML report, as plain dicts the template file lays out.

A section is `{"id", "title", "text", "facts": [(key, value)], "tables": [table],
"plots": [{"svg", "caption"}], "notes": [text]}`; a table is `{"caption", "columns",
"rows": [{"css", "cells": [{"text", "css"}]}]}`. Values arrive formatted here, through
`fpgaforge.report.numbers`, so the page reads like the command tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fpgaforge.report.html import plots
from fpgaforge.report.numbers import grouped, joules, number, optional, percent, si, watts
from fpgaforge.report.tables.compare import columns as compare_columns
from fpgaforge.report.tables.compare import how, resources_cell
from fpgaforge.report.tables.estimate import folding
from fpgaforge.units.cost.hardware import KINDS


def section(id_: str, title: str, **parts: Any) -> dict[str, Any]:
    out = {"id": id_, "title": title, "text": "", "facts": [], "tables": [], "plots": []}
    out["notes"] = []
    out.update(parts)
    return out


def cell(text: Any, css: str = "") -> dict[str, str]:
    return {"text": str(text), "css": css}


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], caption: str = "", css: Any = None
) -> dict[str, Any]:
    """Rows of cells (text, or `cell(...)`); `css(i)` gives row i's class."""
    body = []
    for i, row in enumerate(rows):
        cells = [c if isinstance(c, dict) else cell(c) for c in row]
        body.append({"css": css(i) if css else "", "cells": cells})
    return {"caption": caption, "columns": list(columns), "rows": body}


def _anchor(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def comparison(rows: Sequence[dict[str, Any]], unit: str = "inference") -> dict[str, Any]:
    """Every target in one table; the provenance cell is coloured by how it was obtained."""
    columns = ("Pareto", *compare_columns(unit)[1:])
    body = []
    for r in rows:
        if "error" in r:
            body.append(
                [cell(r["target"], "left"), r["device"], r["precision"], cell(r["error"], "fail")]
                + ["-"] * 6
            )
            continue
        prov = r.get("provenance", {})
        body.append(
            [
                "*" if r.get("pareto") else "",
                cell(_target(r), "left"),
                r["precision"],
                cell(how(r), f"left {prov.get('throughput', '')}"),
                r["batch"],
                cell(number(r["throughput"]), prov.get("throughput", "")),
                cell(si(r["latency_s"], "s"), prov.get("latency", "")),
                cell(
                    watts(r["power_w"]) if r.get("power_w") is not None else "-",
                    prov.get("power", ""),
                ),
                cell(
                    joules(r["energy_per_inference_j"]) if r.get("energy_per_inference_j") else "-",
                    prov.get("energy", ""),
                ),
                cell(resources_cell(r), "left"),
            ]
        )
    notes = []
    for r in rows:
        for text in [r.get("power_source"), *r.get("notes", ())]:
            if text and r["kind"] != "fpga" and text not in notes:
                notes.append(text)
    return section(
        "compare",
        "Comparison",
        text="FPGA rows are the scheduler's estimates at batch 1 (streaming: one inference per "
        "interval); CPU and GPU throughput is at the larger batch shown.",
        tables=[table(columns, body, css=lambda i: "pareto" if rows[i].get("pareto") else "")],
        notes=notes,
    )


def _target(row: dict[str, Any]) -> str:
    """`ultra96v2 (xczu3eg-sbva484-1-i)`, `CPU (2 cores): AMD EPYC`, `GPU h100`."""
    if row["kind"] == "fpga":
        return (
            f"{row['target']} ({row['device']})"
            if row["device"] != row["target"]
            else row["target"]
        )
    if row["kind"] == "cpu":
        return f"{row['target']}: {row['device']}"
    return row["target"]


def layer_table(layers: Sequence[dict[str, Any]], caption: str) -> dict[str, Any]:
    columns = (
        "stage",
        "template",
        "folding",
        "cycles",
        "II",
        "bound",
        "DSP",
        "LUT",
        "BRAM",
        "MACs",
    )
    return table(
        columns,
        (
            [
                cell(layer["name"], "left"),
                cell(layer["kind"], "left"),
                cell(folding(layer), "left"),
                number(layer["cycles"]),
                number(layer["ii"]),
                cell(layer["bound"], "left"),
                number(layer["resources"]["dsp"]),
                number(layer["resources"]["lut"]),
                number(layer["resources"]["bram"]),
                number(layer["macs"]),
            ]
            for layer in layers
        ),
        caption,
    )


def resource_table(resources: dict[str, dict[str, float]], caption: str) -> dict[str, Any]:
    return table(
        ("kind", "used", "usable", "available", "% of device"),
        (
            [
                k.upper(),
                number(r["used"]),
                number(r["usable"]),
                number(r["available"]),
                percent(r["percent"]),
            ]
            for k, r in resources.items()
        ),
        caption,
    )


def boards(details: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One section per board: per precision its layers and resources, and three plots
    (cycles per layer, resources against capacity, roofline)."""
    out = []
    for board in dict.fromkeys(d["board"] for d in details):
        mine = [d for d in details if d["board"] == board]
        tables, facts = [], []
        for d in mine:
            facts.append(
                (
                    d["quant"],
                    f"{d['mode']}, {d['clock_mhz']:g} MHz, off-chip bandwidth "
                    f"{si(d['bandwidth_bytes_per_s'], 'B/s')}",
                )
            )
            tables.append(layer_table(d["layers"], f"{board}, {d['quant']}: per-stage estimates"))
            tables.append(
                resource_table(
                    {k: d["resources"][k] for k in KINDS}, f"{board}, {d['quant']}: resources"
                )
            )
        groups_layers = {d["quant"]: d["layers"] for d in mine}
        groups_res = {d["quant"]: d["resources"] for d in mine}
        groups_roof = {d["quant"]: d["roofline"] for d in mine}
        first = mine[0]
        out.append(
            section(
                f"board-{_anchor(board)}",
                f"Board {board}",
                facts=facts,
                tables=tables,
                plots=[
                    {
                        "svg": plots.cycles(groups_layers, f"{board}: cycles per stage"),
                        "caption": "Estimated interval of each stage (the slowest sets the "
                        "throughput); hatched stages are memory-bound.",
                    },
                    {
                        "svg": plots.resources(groups_res, f"{board}: resources against capacity"),
                        "caption": "Estimated use as a percentage of the device; the dashed "
                        "line is the usable budget the scheduler plans against.",
                    },
                    {
                        "svg": plots.roofline(
                            groups_roof,
                            first["bandwidth_bytes_per_s"],
                            first["dsp_roof_ops"],
                            f"{board}: roofline",
                        ),
                        "caption": "Each layer with MACs at its arithmetic intensity and "
                        "attained ops/s (estimated).",
                    },
                ],
            )
        )
    return out


def pareto(
    rows: Sequence[dict[str, Any]], title: str = "Pareto front", unit: str = "inference"
) -> dict[str, Any]:
    front = [r for r in rows if r.get("pareto")]
    short = "inf" if unit == "inference" else unit
    return section(
        "pareto",
        title,
        text=f"Maximize throughput; minimize energy per {unit} and the largest fraction of "
        "any resource budget. Points on the FPGA front have a black edge.",
        tables=[
            table(
                ("board", "precision", f"{unit}s/s", f"energy/{short}", "max resource %"),
                (
                    [
                        cell(r["target"], "left"),
                        r["precision"],
                        number(r["throughput"]),
                        joules(r["energy_per_inference_j"]),
                        percent(100 * r["resource_fraction"]),
                    ]
                    for r in front
                ),
                "the front (estimated)",
            )
        ],
        plots=[
            {
                "svg": plots.pareto(rows, f"throughput vs energy per {unit}", unit),
                "caption": "Marker size grows with the largest resource fraction.",
            }
        ],
    )


def sqnr(groups: dict[str, Sequence[dict[str, Any]]], note: str = "") -> dict[str, Any]:
    tables = [
        table(
            ("tensor", "op", "type", "SQNR dB", "max |err|"),
            (
                [
                    cell(r["tensor"], "left"),
                    cell(r["op"], "left"),
                    cell(r["dtype"], "left"),
                    "exact" if r["sqnr_db"] is None else f"{r['sqnr_db']:.1f}",
                    f"{r['max_abs_error']:.3g}",
                ]
                for r in rows
            ),
            f"{quant}: per-tensor error against the float model (measured by emulation)",
        )
        for quant, rows in groups.items()
    ]
    return section(
        "sqnr",
        "Quantization error",
        tables=tables,
        plots=[{"svg": plots.sqnr(groups, "SQNR per tensor"), "caption": note}],
    )


def summary(facts: list[tuple[str, str]], text: str = "") -> dict[str, Any]:
    return section("summary", "Model", facts=facts, text=text)


def workload_facts(work: dict[str, Any], unit: str = "inference") -> list[tuple[str, str]]:
    return [
        ("graph", work["model"]),
        ("nodes", str(work["nodes"])),
        ("parameters", grouped(work["params"])),
        (f"MACs per {unit}", grouped(work["macs"])),
    ]


def optional_cycles(value: Any) -> str:
    return optional(value, ",.0f")
