"""`fpgaforge synth OUT`: synthesize a project's RTL with yosys and compare with the estimate."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `synth` subcommand."""
    parser = commands.add_parser(
        "synth", help="synthesize a project's RTL (yosys) and report resources"
    )
    parser.add_argument(
        "project", metavar="OUT", help="a project folder built with --backend rtl|both"
    )
    parser.add_argument(
        "--family",
        choices=("xc7", "xcup", "ecp5"),
        default="xcup",
        help="xcup: UltraScale+ (DSP48E2), xc7: 7-series (DSP48E1), "
        "ecp5: Lattice ECP5 with nextpnr place and route (LFE5U-85F, ULX3S-85F)",
    )
    parser.add_argument("--no-pnr", action="store_true", help="ECP5: skip place and route")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds per tool run (default 1800)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def _num(value: float | None, digits: int = 0) -> str:
    """A table cell: '-' for missing numbers."""
    return "-" if value is None else f"{value:,.{digits}f}"


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    """Run yosys (and nextpnr for ECP5), print the resource table and write the report."""
    from fpgaforge.rtl.synth import synthesize

    console = console or Console()
    if args.json:
        report = synthesize(
            args.project, family=args.family, pnr=not args.no_pnr, timeout=args.timeout
        )
        console.print_json(json.dumps(report))
        return 0
    with console.status(f"yosys: synthesizing for {args.family}") as status:
        report = synthesize(
            args.project,
            family=args.family,
            pnr=not args.no_pnr,
            timeout=args.timeout,
            progress=lambda line: status.update(line),
        )
    est_board = report["estimate"].get("board")
    table = Table(
        title=f"{report['top']}: yosys synth for {args.family} vs the estimate for {est_board}"
    )
    for col in ("resource", "yosys", "estimate", "yosys/estimate"):
        table.add_column(col, justify="right" if col != "resource" else "left")
    for key, row in report["resources"].items():
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        digits = 1 if key == "bram" else 0
        table.add_row(key, _num(row["yosys"], digits), _num(row["estimate"], digits), ratio)
    console.print(table)
    console.print(f"yosys ({report['yosys']['kind']}) took {report['yosys']['seconds']:.0f} s")
    pnr = report.get("pnr")
    if pnr:
        fmax = _num(pnr.get("fmax_mhz"), 1)
        verdict = "met" if pnr.get("met") else "NOT met"
        console.print(
            f"nextpnr-ecp5 ({pnr['device']}): Fmax {fmax} MHz, "
            f"target {pnr['target_mhz']:g} MHz {verdict}; bitstream {pnr['bitstream']} "
            f"({pnr['bitstream_bytes']:,} bytes)"
        )
    console.print(f"report: {report['report_file']}")
    return 0
