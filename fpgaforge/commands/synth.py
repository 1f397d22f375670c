"""`fpgaforge synth OUT`: synthesize a project's RTL with yosys and compare with the estimate."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "synth", help="synthesize a project's RTL (yosys) and report resources"
    )
    parser.add_argument(
        "project", metavar="OUT", help="a project folder built with --backend rtl|both"
    )
    parser.add_argument("--family", choices=("xc7", "xcup", "ecp5"), default="xcup")
    parser.add_argument("--no-pnr", action="store_true", help="ECP5: skip place and route")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    from fpgaforge.rtl.synth import synthesize

    report = synthesize(args.project, family=args.family, pnr=not args.no_pnr)
    console = console or Console()
    if args.json:
        console.print_json(json.dumps(report))
        return 0
    table = Table(title=f"yosys synth_{args.family}: {report['top']}")
    for col in ("resource", "yosys", "estimate", "ratio"):
        table.add_column(col)
    for key, row in report["resources"].items():
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        est = f"{row['estimate']:.0f}" if row["estimate"] is not None else "-"
        table.add_row(key, str(row["yosys"]), est, ratio)
    console.print(table)
    if report.get("pnr"):
        pnr = report["pnr"]
        console.print(
            f"Fmax {pnr.get('fmax_mhz')} MHz, bitstream {pnr.get('bitstream')} ({pnr.get('bitstream_bytes')} bytes)"
        )
    console.print(f"report: {report['report_file']}")
    return 0
