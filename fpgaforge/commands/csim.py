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
    parser.add_argument(
        "--opt",
        choices=("0", "1", "2", "3"),
        help="g++ optimisation level (default: 0 for a run of at most 1M MACs in all, else 1)",
    )
    parser.add_argument(
        "--no-pch",
        action="store_true",
        help="parse the headers instead of using the shared precompiled header",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.errors import UsageError
    from fpgaforge.hls.csim import run_csim

    if args.vectors is not None and args.vectors <= 0:
        raise UsageError(f"--vectors must be a positive number, got {args.vectors}.")
    with console.status("compiling and running the testbench"):
        result = run_csim(
            args.project,
            args.vectors,
            opt=f"-O{args.opt}" if args.opt else None,
            precompiled=not args.no_pch,
        )
    print_csim(console, result)
    return 0 if result.passed else 1
