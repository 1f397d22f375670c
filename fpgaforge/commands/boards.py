"""`fpgaforge boards [--json] [NAME]`: the board registry as a table, JSON, or one board's details."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "boards", help="list the known FPGA boards, or show one board's details and sources"
    )
    parser.add_argument("name", nargs="?", help="a board name (e.g. zcu104) or a board YAML file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def _bram(board) -> str:
    bram = board.resources.bram
    return f"{bram.count:,} × {bram.bits_per_block // 1024} Kb"


def _bandwidth(board) -> str:
    if not board.memories:
        return "—"
    parts = []
    for m in board.memories:
        peak = "?" if m.peak_bandwidth_gbps is None else f"{m.peak_bandwidth_gbps:g}"
        parts.append(f"{m.type} {peak} GB/s")
    return " + ".join(parts)


def _clock(board) -> str:
    top = board.clocks.max_mhz
    return f"{board.clocks.default_mhz:g}" + (f" (max {top:g})" if top is not None else "") + " MHz"


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge import boards

    if args.name:
        board = boards.get(args.name)
        if args.json:
            print(json.dumps(board.to_dict(), indent=2))
        else:
            _details(board, console)
        return 0
    known = boards.list()
    if args.json:
        print(json.dumps([b.to_dict() for b in known], indent=2))
        return 0
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
            _bram(b),
            f"{r.uram:,}" if r.uram else "—",
            _clock(b),
            _bandwidth(b),
            b.host,
        )
    console.print(table)
    return 0


def _details(board, console: Console) -> None:
    """One board: every field with its value, usable amount and source."""
    console.print(f"[bold]{escape(board.name)}[/bold]: {escape(board.description)}")
    console.print(
        f"{escape(board.vendor)}, {escape(board.family)}, part {escape(board.part)} "
        f"(speed grade {escape(board.speed_grade)}), host {board.host}, toolchain {board.toolchain}"
    )
    if board.path is not None:
        console.print(f"file: {escape(str(board.path))}")
    table = Table(title_justify="left")
    for column, justify in (
        ("field", "left"),
        ("value", "right"),
        ("usable", "right"),
        ("source", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for field, value, usable in _rows(board):
        source = board.source(field)
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
        table.add_row(field, value, usable, text)
    console.print(table)
    if board.power.note:
        console.print(f"power: {escape(board.power.note)}")
    if board.shell.note:
        console.print(f"shell: {escape(board.shell.note)}")


def _fmt(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _rows(board) -> list[tuple[str, str, str]]:
    r = board.resources
    rows = [
        ("resources.lut", _fmt(r.lut), _fmt(board.usable("lut"))),
        ("resources.ff", _fmt(r.ff), _fmt(board.usable("ff"))),
        ("resources.dsp", f"{r.dsp:,} {r.dsp_kind}", _fmt(board.usable("dsp"))),
        ("resources.bram", _bram(board), _fmt(board.usable("bram"))),
        ("resources.uram", _fmt(r.uram), _fmt(board.usable("uram"))),
        ("resources.lut_inputs", _fmt(r.lut_inputs), ""),
        ("clocks.default_mhz", _fmt(board.clocks.default_mhz), ""),
        ("clocks.max_mhz", _fmt(board.clocks.max_mhz), ""),
    ]
    for i, m in enumerate(board.memories):
        p = f"memory[{i}]"
        rows += [
            (f"{p}.capacity_bytes", f"{m.type} {_fmt(m.capacity_bytes)}", ""),
            (
                f"{p}.peak_bandwidth_gbps",
                f"{_fmt(m.peak_bandwidth_gbps)} GB/s",
                f"{_fmt(m.usable_bandwidth_gbps)} GB/s",
            ),
        ]
        if board.source(f"{p}.efficiency") is not None or board.source(
            f"{p}.usable_bandwidth_gbps"
        ):
            field = (
                f"{p}.usable_bandwidth_gbps"
                if f"{p}.usable_bandwidth_gbps" in board.sources
                else f"{p}.efficiency"
            )
            rows.append((field, f"{_fmt(m.usable_bandwidth_gbps)} GB/s", ""))
    for key in ("static_w", "board_idle_w", "board_typical_w", "board_max_w"):
        rows.append((f"power.{key}", _fmt(getattr(board.power, key)), ""))
    for kind in ("lut", "ff", "dsp", "bram", "uram"):
        rows.append((f"usable_fractions.{kind}", _fmt(getattr(board.usable_fractions, kind)), ""))
        overhead = getattr(board.shell, kind)
        if overhead:
            rows.append((f"shell.{kind}", _fmt(overhead), ""))
    for key, value in board.extras.items():
        rows.append((f"extras.{key}", _fmt(value), ""))
    return rows
