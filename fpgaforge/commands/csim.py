"""`fpgaforge csim OUT [--vectors N]`: C-simulate a built HLS project with g++, bit for bit."""

from __future__ import annotations

import argparse

from rich.console import Console

from fpgaforge.report.tables.sim import print_csim


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "csim", help="compile and run an HLS project's testbench with g++ (bit-exact check)"
    )
    parser.add_argument(
        "project", metavar="OUT", help="a folder written by `fpgaforge build` (or its hls/ folder)"
    )
    parser.add_argument(
        "--vectors", type=int, metavar="N", help="check only the first N stored vectors"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.errors import UsageError
    from fpgaforge.hls.csim import run_csim

    if args.vectors is not None and args.vectors <= 0:
        raise UsageError(f"--vectors must be a positive number, got {args.vectors}.")
    with console.status("compiling and running the testbench"):
        result = run_csim(args.project, args.vectors)
    print_csim(console, result)
    return 0 if result.passed else 1
