"""`fpgaforge rtlsim OUT`: simulate a built RTL project and check it bit for bit."""

from __future__ import annotations

import argparse

from rich.console import Console

from fpgaforge.report import json_shapes
from fpgaforge.report.tables.sim import print_rtlsim
from fpgaforge.sim.tools import ENGINES, SIMULATORS


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "rtlsim",
        help="simulate a project's RTL against the expected codes and report cycles",
    )
    parser.add_argument(
        "project", metavar="OUT", help="a project folder built with --backend rtl|both"
    )
    parser.add_argument("--simulator", choices=SIMULATORS, default="verilator")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="testbench: compiled C++ (default with Verilator) or cocotb (default with Icarus)",
    )
    parser.add_argument("--vectors", type=int, metavar="N", help="check only the first N vectors")
    parser.add_argument("--waves", action="store_true", help="dump waveforms into the build folder")
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="simulator processes to split the vectors across (compiled bench; default one "
        "per CPU core when each gets at least 100,000 estimated cycles)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    from fpgaforge.sim.rtlsim import run_rtlsim

    result = run_rtlsim(
        args.project,
        simulator=args.simulator,
        vectors=args.vectors,
        waves=args.waves,
        engine=args.engine,
        jobs=args.jobs,
    )
    console = console or Console()
    if args.json:
        json_shapes.print_rich(console, json_shapes.rtlsim(result))
    else:
        print_rtlsim(console, result)
    return 0 if result.passed else 1
