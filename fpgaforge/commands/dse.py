"""`fpgaforge dse MODEL --boards a,b --quant fixed:8,int8,int4`: explore boards × quantizations × modes."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from fpgaforge.cli import (
    add_boards_quants_options,
    add_input_shape_option,
    parse_input_shapes,
)
from fpgaforge.report import json_shapes
from fpgaforge.report.progress import tty_status
from fpgaforge.report.tables.dse import points_table


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "dse",
        help="evaluate a model on several boards, quantizations and modes; print the Pareto front",
    )
    parser.add_argument("model", help="an ONNX file")
    add_boards_quants_options(parser)
    parser.add_argument(
        "--mode", default="auto", help="comma-separated modes: auto, streaming, tiled"
    )
    parser.add_argument("--executor", choices=("local", "ray"), default="local")
    parser.add_argument(
        "--ray-address", help="address of a running Ray cluster (default: start a local one)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="parallel workers (local: processes; ray: CPUs of a local cluster)",
    )
    add_input_shape_option(parser)
    parser.add_argument(
        "-o", "--output", metavar="OUT.json", help="write all points and the Pareto front as JSON"
    )
    parser.add_argument("--html", metavar="OUT.html", help="also write an HTML report")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.dataflow.dse import explore
    from fpgaforge.dataflow.quantspec import split_specs
    from fpgaforge.dataflow.scheduler import MODES
    from fpgaforge.errors import UsageError
    from fpgaforge.outputs import check_output_file, write_output_file

    if args.output:
        check_output_file(args.output, inputs=[args.model])
    if args.html:
        check_output_file(args.html, inputs=[args.model], option="--html")
    if args.workers is not None and not 1 <= args.workers <= 1024:
        raise UsageError(f"--workers must be between 1 and 1024, got {args.workers}.")
    boards = [b.strip() for b in args.boards.split(",") if b.strip()]
    modes = [m.strip() for m in args.mode.split(",") if m.strip()]
    for mode in modes:
        if mode not in MODES:
            raise UsageError(f"--mode {mode!r} is not one of {', '.join(MODES)}.")
    if not boards:
        raise UsageError("--boards names no board; give e.g. --boards ultra96v2,zcu104.")
    quants = split_specs(args.quant)
    with tty_status(
        f"evaluating {len(boards) * len(quants) * len(modes)} design points ({args.executor})",
        args.quiet,
    ):
        result = explore(
            args.model,
            boards,
            quants,
            modes,
            executor=args.executor,
            ray_address=args.ray_address,
            workers=args.workers,
            input_shapes=parse_input_shapes(args.input_shape),
        )
    console.print(points_table(result))
    if args.output:
        write_output_file(args.output, json_shapes.dse(result), inputs=[args.model])
        console.print(f"wrote {escape(args.output)}")
    if args.html:
        from fpgaforge.report.html import dse_report, write_html

        with tty_status("drawing the HTML report", args.quiet):
            text = dse_report(result)
        write_html(args.html, text, inputs=(args.model,))
        console.print(f"wrote {escape(args.html)}")
    return 0
