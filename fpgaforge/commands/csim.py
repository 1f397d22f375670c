"""`fpgaforge csim OUT [--vectors N]`: C-simulate a built HLS project with g++, bit for bit."""

from __future__ import annotations

import argparse

from rich.console import Console


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
    console.print(
        f"vectors: {result.vectors}  mismatches: {result.mismatches}  max |diff|: {result.max_diff}"
    )
    console.print(f"g++: {result.compile_s:.2f} s  run: {result.run_s:.3f} s")
    if result.passed:
        console.print("PASS: every output code equals the expected code")
        return 0
    console.print(
        "FAIL: outputs differ from the expected codes"
        if result.vectors
        else "FAIL: no vectors were run"
    )
    return 1
