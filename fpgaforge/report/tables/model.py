"""`fpgaforge inspect` and `fpgaforge quantize`: a model's nodes, and its per-tensor errors."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.ir.printing import format_count, shape_text


def nodes_table(summary: Any) -> Table:
    """One row per node (op, attributes, output shape, parameters, MACs) and a total row."""
    inputs = ", ".join(f"{n} {shape_text((s,))} {d}" for n, s, d in summary.inputs)
    outputs = ", ".join(f"{n} {shape_text((s,))}" for n, s, _ in summary.outputs)
    table = Table(
        title=f"{summary.name}: inputs {inputs} → outputs {outputs}", title_justify="left"
    )
    for column, justify in (
        ("#", "right"),
        ("node", "left"),
        ("op", "left"),
        ("attributes", "left"),
        ("output shape", "left"),
        ("params", "right"),
        ("MACs", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for i, node in enumerate(summary.nodes):
        table.add_row(
            str(i),
            escape(node.name),
            node.op,
            escape(node.detail),
            shape_text(node.output_shapes),
            f"{node.params:,}",
            f"{node.macs:,}",
        )
    table.add_section()
    table.add_row(
        "",
        f"total ({len(summary.nodes)} nodes)",
        "",
        "",
        "",
        f"{summary.total_params:,}",
        f"{summary.total_macs:,}",
    )
    return table


def _layer_of(name: str) -> str:
    """`layers.3.in_proj` -> `layers.3`; any other node is its own group."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 and parts[1].isdigit() else name


def layers_table(summary: Any) -> Table:
    """One row per layer (nodes named `<stack>.<index>.<part>` grouped), with the ops it
    holds, its parameters and MACs, and a total row."""
    table = Table(title=f"{summary.name}: per layer", title_justify="left")
    for column, justify in (
        ("layer", "left"),
        ("nodes", "right"),
        ("ops", "left"),
        ("params", "right"),
        ("MACs", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    groups: dict[str, list[Any]] = {}
    for node in summary.nodes:
        groups.setdefault(_layer_of(node.name), []).append(node)
    for layer, nodes in groups.items():
        ops = sorted({n.op for n in nodes})
        table.add_row(
            escape(layer),
            str(len(nodes)),
            ", ".join(ops),
            f"{sum(n.params for n in nodes):,}",
            f"{sum(n.macs for n in nodes):,}",
        )
    table.add_section()
    table.add_row(
        f"total ({len(groups)} layers)",
        str(len(summary.nodes)),
        "",
        f"{summary.total_params:,}",
        f"{summary.total_macs:,}",
    )
    return table


def totals_line(summary: Any) -> str:
    """`10.3k parameters, 9,760 MACs per inference`."""
    return f"{format_count(summary.total_params)} parameters, {format_count(summary.total_macs)} MACs per inference"


def print_inspect(console: Console, summary: Any, *, by_layer: bool = False) -> None:
    """The node table (or the per-layer table) and the totals line."""
    console.print(layers_table(summary) if by_layer else nodes_table(summary))
    console.print(totals_line(summary))


def sqnr(value: float) -> str:
    """SQNR in dB with one decimal, `exact` when the quantized tensor equals the float one."""
    return "exact" if math.isinf(value) and value > 0 else f"{value:.1f}"


def errors_table(title: str, rows: list[Any]) -> Table:
    """One row per quantized tensor: type, SQNR, largest error and overflowed elements."""
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("tensor", "left"),
        ("op", "left"),
        ("type", "left"),
        ("SQNR dB", "right"),
        ("max |err|", "right"),
        ("overflowed", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        over = f"{r.overflowed}/{r.total}" if r.total else "-"
        table.add_row(
            escape(r.tensor), r.op, escape(r.dtype), sqnr(r.sqnr_db), f"{r.max_abs_error:.3g}", over
        )
    return table


def errors_title(graph_name: str, quant: str, calibrated: bool) -> str:
    """`digits_mlp quantized as int8`, noting the default calibration when none was given."""
    return f"{graph_name} quantized as {quant}" + (
        "" if calibrated else " (default calibration: uniform [-1, 1])"
    )
