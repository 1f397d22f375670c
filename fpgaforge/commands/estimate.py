"""`fpgaforge estimate MODEL --board B --quant SPEC`: schedule a model and print its estimates."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.markup import escape

from fpgaforge.cli import add_input_shape_option, parse_input_shapes
from fpgaforge.report import json_shapes
from fpgaforge.report.progress import tty_status
from fpgaforge.report.tables.estimate import print_estimate
from fpgaforge.report.tables.training import print_training


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "estimate",
        help="schedule a model on a board and estimate throughput, latency, resources and energy",
    )
    parser.add_argument("model", help="an ONNX file, or a Mamba-2 configuration (mamba2-2.7b)")
    parser.add_argument(
        "--board", required=True, help="board name (see `fpgaforge boards`) or a board YAML file"
    )
    parser.add_argument(
        "--quant",
        default="int8",
        help="quantization spec: fixed:W,I, fixed:W, intN, wXaY (default int8)",
    )
    parser.add_argument(
        "--calib",
        metavar="DATA.npz",
        help="calibration inputs (arrays named like the model inputs)",
    )
    parser.add_argument("--mode", choices=("auto", "streaming", "tiled"), default="auto")
    parser.add_argument(
        "--target-fps",
        type=float,
        help="find the cheapest schedule reaching this many inferences/s",
    )
    parser.add_argument("--clock-mhz", type=float, help="fabric clock (default: the board's)")
    parser.add_argument(
        "--tiled-weights",
        choices=("dram", "onchip"),
        default="dram",
        help="where a tiled engine keeps its weights: streamed from DRAM or in an on-chip ROM "
        "(default: dram)",
    )
    add_input_shape_option(parser)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of tables"
    )
    parser.add_argument(
        "-o", "--output", metavar="SCHEDULE.json", help="also write the replayable schedule"
    )
    parser.add_argument("--html", metavar="OUT.html", help="also write an HTML report")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument(
        "--train",
        action="store_true",
        help="estimate one SAT training step (N:M forward and backward-data GEMMs, dense weight "
        "gradients, update, masks) on the tiled array, against dense training",
    )
    parser.add_argument(
        "--batch",
        type=int,
        help="training batch with --train (default 32); decode batch of a Mamba-2 model (default 1)",
    )
    parser.add_argument(
        "--sparsity", metavar="N:M", default="2:8", help="with --train (default 2:8)"
    )
    parser.add_argument(
        "--layers",
        action="store_true",
        help="with --train: a table of every GEMM of the step, N:M against dense",
    )
    parser.add_argument(
        "--splits",
        type=int,
        help="with --train: segments the SAT array may split its rows in, 1, 2, 4 or 8 "
        "(default 8; fewer cost fewer accumulator columns and requant lanes)",
    )
    parser.set_defaults(handler=run)


def estimate(args: argparse.Namespace, status: Any = None) -> tuple[Any, dict[str, Any]]:
    """Load, quantize and schedule; returns (schedule, the JSON-ready result)."""
    from fpgaforge.dataflow import schedule
    from fpgaforge.dataflow.quantspec import quantize_for_estimate
    from fpgaforge.frontend import load
    from fpgaforge.quant.calibrate import load_calibration

    def step(text: str) -> None:
        if status is not None:
            status.update(text)

    step("loading the model")
    graph = load(args.model, parse_input_shapes(args.input_shape))
    step(f"quantizing ({args.quant})")
    calibration = load_calibration(args.calib, graph) if args.calib else None
    qgraph, how = quantize_for_estimate(graph, args.quant, calibration)
    step(f"scheduling on {args.board}")
    sched = schedule(
        qgraph,
        args.board,
        mode=args.mode,
        target_fps=args.target_fps,
        clock_mhz=args.clock_mhz,
        tiled_weights=getattr(args, "tiled_weights", "dram"),
    )
    return sched, json_shapes.estimate(sched, args.model, args.quant, how)


def _how(result: dict[str, Any]) -> str:
    """How the quantization ranges were found, as `json_shapes.estimate` notes it."""
    default = any(note.startswith("No --calib given") for note in result["notes"])
    return "default calibration" if default else "calibrated"


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.flow import check_build_arguments
    from fpgaforge.outputs import check_output_file, write_output_file
    from fpgaforge.report.mamba_decode import is_mamba

    if getattr(args, "train", False):
        return run_train(args, console)
    if is_mamba(args.model):
        from fpgaforge.commands._estimate_mamba import run as run_mamba

        return run_mamba(args, console)
    from fpgaforge.quant.lightmamba import is_mamba_spec

    if is_mamba_spec(args.quant):
        from fpgaforge.commands._estimate_mamba import run_step

        return run_step(args, console)
    inputs = [args.model, args.calib]
    check_build_arguments(target_fps=args.target_fps, clock_mhz=args.clock_mhz)
    if args.output:
        check_output_file(args.output, inputs=inputs)
    if args.html:
        check_output_file(args.html, inputs=inputs, option="--html")
    if args.json:
        sched, result = estimate(args)
        json_shapes.print_plain(result, sort_keys=True)
    else:
        with tty_status("estimating", args.quiet) as status:
            sched, result = estimate(args, status)
        print_estimate(console, result)
    if args.html:
        from fpgaforge.report.html import estimate_report, write_html

        with tty_status("drawing the HTML report", args.quiet or args.json):
            text = estimate_report(sched, args.model, args.quant, _how(result))
        write_html(args.html, text, inputs=tuple(inputs))
        if not args.json:
            console.print(f"wrote {escape(args.html)}")
    if args.output:
        write_output_file(args.output, sched.to_json(), inputs=inputs)
    return 0


def run_train(args: argparse.Namespace, console: Console) -> int:
    """`estimate --train`: one training step N:M and dense on the board's tiled array."""
    import json

    from fpgaforge.errors import UsageError

    unused = [flag for flag, value in (("-o", args.output), ("--html", args.html)) if value]
    if unused:
        raise UsageError(
            f"estimate --train writes no schedule or HTML report ({', '.join(unused)} given); "
            "use --json to keep its figures."
        )

    from fpgaforge.dataflow.quantspec import quantize_for_estimate
    from fpgaforge.dataflow.training import training_estimate
    from fpgaforge.frontend import load

    graph = load(args.model, parse_input_shapes(args.input_shape))
    qgraph, _ = quantize_for_estimate(graph, args.quant, None)
    r = training_estimate(
        qgraph,
        args.board,
        args.batch or 32,
        args.sparsity,
        clock_mhz=args.clock_mhz,
        **({} if args.splits is None else {"splits": args.splits}),
    )
    if args.json:
        print(json.dumps(r, sort_keys=True, default=float))
        return 0
    print_training(r, console, layers=args.layers)
    return 0
