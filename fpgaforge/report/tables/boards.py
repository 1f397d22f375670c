"""`fpgaforge boards`: the registry as one table, and one board's fields with their sources."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.report.numbers import field


def bram(board: Any) -> str:
    """`216 × 36 Kb`."""
    bram = board.resources.bram
    return f"{bram.count:,} × {bram.bits_per_block // 1024} Kb"


def bandwidth(board: Any) -> str:
    """Peak bandwidth of each memory, `DDR4 19.2 GB/s + ...`, or `—` without memory."""
    if not board.memories:
        return "—"
    parts = []
    for m in board.memories:
        peak = "?" if m.peak_bandwidth_gbps is None else f"{m.peak_bandwidth_gbps:g}"
        parts.append(f"{m.type} {peak} GB/s")
    return " + ".join(parts)


def clock(board: Any) -> str:
    """`200 (max 333) MHz`."""
    top = board.clocks.max_mhz
    return f"{board.clocks.default_mhz:g}" + (f" (max {top:g})" if top is not None else "") + " MHz"


def boards_table(known: list[Any]) -> Table:
    """One row per board: part, resources, clock, memory bandwidth and host."""
    table = Table(
        title="FPGA boards (fpgaforge boards NAME for details and sources)", title_justify="left"
    )
    for column, justify in (
        ("name", "left"),
        ("part", "left"),
        ("LUT", "right"),
        ("FF", "right"),
        ("DSP (kind)", "right"),
        ("BRAM", "right"),
        ("URAM", "right"),
        ("clock", "right"),
        ("memory bandwidth (peak)", "left"),
        ("host", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for b in known:
        r = b.resources
        table.add_row(
            b.name,
            b.part,
            f"{r.lut:,}",
            f"{r.ff:,}",
            f"{r.dsp:,} ({r.dsp_kind})",
            bram(b),
            f"{r.uram:,}" if r.uram else "—",
            clock(b),
            bandwidth(b),
            b.host,
        )
    return table


def print_details(board: Any, console: Console) -> None:
    """One board: every field with its value, usable amount and source."""
    console.print(f"[bold]{escape(board.name)}[/bold]: {escape(board.description)}")
    console.print(
        f"{escape(board.vendor)}, {escape(board.family)}, part {escape(board.part)} "
        f"(speed grade {escape(board.speed_grade)}), host {board.host}, toolchain {board.toolchain}"
    )
    if board.path is not None:
        console.print(f"file: {escape(str(board.path))}")
    console.print(details_table(board))
    if board.power.note:
        console.print(f"power: {escape(board.power.note)}")
    if board.shell.note:
        console.print(f"shell: {escape(board.shell.note)}")


def details_table(board: Any) -> Table:
    """Field, value, usable amount and source of each of a board's figures."""
    table = Table(title_justify="left")
    for column, justify in (
        ("field", "left"),
        ("value", "right"),
        ("usable", "right"),
        ("source", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for name, value, usable in rows(board):
        source = board.source(name)
        if source is None:
            text = "no citable figure (see the note below)" if value == "null" else "—"
        else:
            text = escape(source.text)
        if source is not None and source.verify:
            text = (
                "[yellow](verify)[/yellow] "
                + text
                + (f" — {escape(source.note)}" if source.note else "")
            )
        table.add_row(name, value, usable, text)
    return table


def rows(board: Any) -> list[tuple[str, str, str]]:
    """(field, value, usable) for every figure of a board, in data-file order."""
    r = board.resources
    out = [
        ("resources.lut", field(r.lut), field(board.usable("lut"))),
        ("resources.ff", field(r.ff), field(board.usable("ff"))),
        ("resources.dsp", f"{r.dsp:,} {r.dsp_kind}", field(board.usable("dsp"))),
        ("resources.bram", bram(board), field(board.usable("bram"))),
        ("resources.uram", field(r.uram), field(board.usable("uram"))),
        ("resources.lut_inputs", field(r.lut_inputs), ""),
        ("clocks.default_mhz", field(board.clocks.default_mhz), ""),
        ("clocks.max_mhz", field(board.clocks.max_mhz), ""),
    ]
    for i, m in enumerate(board.memories):
        p = f"memory[{i}]"
        out += [
            (f"{p}.capacity_bytes", f"{m.type} {field(m.capacity_bytes)}", ""),
            (
                f"{p}.peak_bandwidth_gbps",
                f"{field(m.peak_bandwidth_gbps)} GB/s",
                f"{field(m.usable_bandwidth_gbps)} GB/s",
            ),
        ]
        if board.source(f"{p}.efficiency") is not None or board.source(
            f"{p}.usable_bandwidth_gbps"
        ):
            name = (
                f"{p}.usable_bandwidth_gbps"
                if f"{p}.usable_bandwidth_gbps" in board.sources
                else f"{p}.efficiency"
            )
            out.append((name, f"{field(m.usable_bandwidth_gbps)} GB/s", ""))
    for key in ("static_w", "board_idle_w", "board_typical_w", "board_max_w"):
        out.append((f"power.{key}", field(getattr(board.power, key)), ""))
    for kind in ("lut", "ff", "dsp", "bram", "uram"):
        out.append((f"usable_fractions.{kind}", field(getattr(board.usable_fractions, kind)), ""))
        overhead = getattr(board.shell, kind)
        if overhead:
            out.append((f"shell.{kind}", field(overhead), ""))
    for key, value in board.extras.items():
        out.append((f"extras.{key}", field(value), ""))
    return out
