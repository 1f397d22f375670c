"""`fpgaforge build MODEL --board B --quant SPEC -o OUT`: quantize, schedule, write HLS and/or RTL."""

from __future__ import annotations

import argparse

from rich.console import Console

from fpgaforge.cli import add_input_shape_option, parse_input_shapes
from fpgaforge.report.tables.build import print_build


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build", help="quantize, schedule and write an HLS project and/or RTL for a board"
    )
    parser.add_argument("model", help="an ONNX file")
    parser.add_argument(
        "--board", required=True, help="a board name (fpgaforge boards lists them) or a board YAML"
    )
    parser.add_argument(
        "--quant",
        required=True,
        metavar="SPEC",
        help="fixed:W,I | fixed:W | int8 | int4 | wNaM | YAML",
    )
    parser.add_argument(
        "--calib",
        metavar="DATA.npz",
        help="calibration inputs keyed by input name (also the test vectors)",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="project folder to create"
    )
    parser.add_argument("--backend", choices=("hls", "rtl", "both"), default="hls")
    parser.add_argument("--mode", choices=("auto", "streaming", "tiled"), default="auto")
    parser.add_argument("--target-fps", type=float, metavar="N")
    parser.add_argument(
        "--tiled-weights",
        choices=("dram", "onchip"),
        default=None,
        help="where a tiled engine keeps its weights: streamed from DRAM or in an on-chip ROM "
        "(default: dram for --backend hls, onchip when the RTL is built)",
    )
    parser.add_argument("--clock-mhz", type=float, metavar="F")
    parser.add_argument(
        "--vectors", type=int, default=100, metavar="N", help="test vectors to store (default 100)"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    parser.add_argument(
        "--sparsity",
        metavar="N:M",
        help="make every Dense layer N:M sparse (e.g. 2:8): weights already N:M are kept, "
        "others pruned by magnitude",
    )
    add_input_shape_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.flow import build, check_build_arguments
    from fpgaforge.frontend import load
    from fpgaforge.outputs import check_output_folder
    from fpgaforge.quant.calibrate import load_calibration
    from fpgaforge.quant.lightmamba import is_mamba_spec

    shapes = parse_input_shapes(args.input_shape)
    check_build_arguments(
        vectors=args.vectors, target_fps=args.target_fps, clock_mhz=args.clock_mhz
    )
    inputs = [
        args.model,
        args.calib,
        args.board if args.board.endswith((".yaml", ".yml")) else None,
    ]
    check_output_folder(args.output, force=args.force, inputs=inputs)
    graph = load(args.model, shapes)
    if args.calib and is_mamba_spec(args.quant):
        calibration = _decode_tokens(args.calib)
    else:
        calibration = load_calibration(args.calib, graph) if args.calib else None
    with console.status("quantizing, scheduling and writing the project"):
        result = build(
            graph,
            args.board,
            args.quant,
            args.output,
            calibration=calibration,
            backend=args.backend,
            mode=args.mode,
            target_fps=args.target_fps,
            clock_mhz=args.clock_mhz,
            vectors=args.vectors,
            force=args.force,
            tiled_weights=args.tiled_weights,
            inputs=[i for i in inputs if i],
            sparsity=args.sparsity,
        )
    print_build(console, graph.name, args.board, args.quant, result)
    return 0


def _decode_tokens(path: str) -> dict:
    """A Mamba-2 decode step calibrates on (and tests) a token sequence: the `tokens`
    array of the .npz (as `fpgaforge quantize` reads it)."""
    import numpy as np

    from fpgaforge.errors import UsageError

    with np.load(path) as data:
        if "tokens" not in data:
            raise UsageError(f"Calibration file {path!r} has no 'tokens' array.")
        return {"tokens": np.asarray(data["tokens"])}
