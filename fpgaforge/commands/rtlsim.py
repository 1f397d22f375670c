"""`fpgaforge rtlsim OUT`: simulate a built RTL project with cocotb and check it bit for bit."""

from __future__ import annotations

import argparse
import json

from rich.console import Console


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "rtlsim",
        help="simulate a project's RTL (cocotb) against the expected codes and report cycles",
    )
    parser.add_argument(
        "project", metavar="OUT", help="a project folder built with --backend rtl|both"
    )
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--vectors", type=int, metavar="N", help="check only the first N vectors")
    parser.add_argument("--waves", action="store_true", help="dump waveforms into the build folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def _ratio(sim: float, est: float | None) -> str:
    return f"{sim / est:.3f}" if est else "-"


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    from fpgaforge.sim.rtlsim import run_rtlsim

    result = run_rtlsim(
        args.project, simulator=args.simulator, vectors=args.vectors, waves=args.waves
    )
    console = console or Console()
    if args.json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        status = "PASS" if result.passed else "FAIL"
        console.print(
            f"{status}: {result.received}/{result.vectors} vectors, {result.mismatches} mismatches "
            f"({result.simulator}, top {result.top})"
        )
        console.print(
            f"latency  {result.latency_cycles} cycles (estimate {result.est_latency_cycles}, "
            f"ratio {_ratio(result.latency_cycles, result.est_latency_cycles)})"
        )
        console.print(
            f"interval {result.interval_cycles} cycles (estimate {result.est_interval_cycles}, "
            f"ratio {_ratio(result.interval_cycles, result.est_interval_cycles)})"
        )
        console.print(
            f"{result.cycles_per_second:,.0f} simulated cycles/s, build {result.build_s:.1f} s"
        )
        for item in result.detail:
            console.print(f"  vector {item['vector']}: positions {item['positions']}")
    return 0 if result.passed else 1
