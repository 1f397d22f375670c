"""`fpgaforge compare MODEL --boards a,b --quant SPEC[,SPEC] [--cpu] [--gpu]`: FPGA boards x
precisions beside the CPU (measured here) and the GPU (measured or modeled)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from fpgaforge.cli import (
    add_boards_quants_options,
    add_input_shape_option,
    parse_input_shapes,
)
from fpgaforge.report import json_shapes
from fpgaforge.report.progress import tty_steps
from fpgaforge.report.tables.compare import print_compare


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare FPGA estimates on several boards and precisions with the CPU and GPU",
    )
    parser.add_argument("model", help="an ONNX file")
    add_boards_quants_options(parser)
    parser.add_argument("--calib", metavar="DATA.npz", help="calibration inputs")
    parser.add_argument("--cpu", action="store_true", help="measure the CPU here (onnxruntime)")
    parser.add_argument(
        "--gpu",
        action="store_true",
        help="measure the GPU here (torch on CUDA), or model the datasheet GPUs when none is here",
    )
    parser.add_argument(
        "--gpu-model",
        action="append",
        metavar="NAME",
        help="model this datasheet GPU (repeatable or comma-separated), e.g. rtx4090,a100",
    )
    parser.add_argument(
        "--batch", type=int, default=64, help="the larger batch for CPU/GPU throughput (64)"
    )
    parser.add_argument(
        "--budget", type=float, default=2.0, help="seconds of timed runs per measurement (2)"
    )
    add_input_shape_option(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.json",
        help="write the JSON result (default with --html: beside it, OUT.html -> OUT.json)",
    )
    parser.add_argument("--html", metavar="OUT.html", help="write a self-contained HTML report")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.dataflow.quantspec import split_specs
    from fpgaforge.outputs import check_output_file, write_output_file
    from fpgaforge.report.compare import compare
    from fpgaforge.report.mamba_decode import is_mamba

    boards = [b.strip() for b in args.boards.split(",") if b.strip()]
    mamba = is_mamba(args.model)
    # a Mamba-2 configuration compares per token; lightmamba[:knob=v,...] holds commas itself
    quants = [args.quant] if mamba else split_specs(args.quant)
    gpu_models = [g.strip() for spec in args.gpu_model or [] for g in spec.split(",") if g.strip()]

    inputs = (args.model, args.calib)
    if args.html and not args.output:
        args.output = str(Path(args.html).with_suffix(".json"))
    if args.html:
        check_output_file(args.html, inputs=inputs, option="--html")
    if args.output:
        check_output_file(args.output, inputs=inputs)
    total = 1 + len(quants) * (1 + len(boards)) + 2 * args.cpu + args.gpu + bool(args.html)
    with tty_steps(total, args.quiet) as progress:
        if mamba:
            from fpgaforge.report.compare_mamba import compare_mamba

            result = compare_mamba(
                args.model,
                boards,
                quants,
                cpu=args.cpu,
                gpu=args.gpu,
                gpu_models=gpu_models,
                batch=args.batch,
                budget_s=args.budget,
                step=progress.step,
            )
        else:
            result = compare(
                args.model,
                boards,
                quants,
                calibration_path=args.calib,
                input_shapes=parse_input_shapes(args.input_shape),
                cpu=args.cpu,
                gpu=args.gpu,
                gpu_models=gpu_models,
                batch=args.batch,
                budget_s=args.budget,
                step=progress.step,
            )
        if args.html:
            from fpgaforge.report.html import compare_report, write_html

            progress.step("writing the HTML report")
            write_html(args.html, compare_report(result), inputs=inputs)
    text = json_shapes.compare(result)
    if args.output:
        write_output_file(args.output, text + "\n", inputs=inputs)
    if args.json:
        print(text)
    else:
        print_compare(console, result)
        for path in (args.output, args.html):
            if path:
                console.print(f"wrote {escape(path)}")
    return 0
