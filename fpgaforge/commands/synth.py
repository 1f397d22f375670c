"""`fpgaforge synth OUT`: synthesize a project's RTL with yosys and compare with the estimate."""

from __future__ import annotations

import argparse

from rich.console import Console

from fpgaforge.report import json_shapes
from fpgaforge.report.tables.synth import print_synth


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


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    """Run yosys (and nextpnr for ECP5), print the resource table and write the report."""
    import math

    from fpgaforge.errors import UsageError
    from fpgaforge.rtl.synth import synthesize

    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout}.")
    console = console or Console()
    if args.json:
        report = synthesize(
            args.project, family=args.family, pnr=not args.no_pnr, timeout=args.timeout
        )
        json_shapes.print_rich(console, json_shapes.synth(report))
        return 0
    with console.status(f"yosys: synthesizing for {args.family}") as status:
        report = synthesize(
            args.project,
            family=args.family,
            pnr=not args.no_pnr,
            timeout=args.timeout,
            progress=lambda line: status.update(line),
        )
    print_synth(console, report, args.family)
    return 0
