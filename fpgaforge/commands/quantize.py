"""`fpgaforge quantize MODEL --quant SPEC [--calib DATA.npz] -o OUT.onnx`: PTQ with a per-layer error report."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from fpgaforge.cli import add_input_shape_option, parse_input_shapes
from fpgaforge.report import json_shapes
from fpgaforge.report.tables.model import errors_table, errors_title


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "quantize", help="quantize a model (PTQ) and report per-layer SQNR vs float"
    )
    parser.add_argument("model", help="an ONNX file")
    parser.add_argument(
        "--quant",
        required=True,
        metavar="SPEC",
        help="fixed:W,I | fixed:W | int8 | int4 | wNaM | a YAML config",
    )
    parser.add_argument(
        "--calib", metavar="DATA.npz", help="calibration inputs keyed by input name"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT.onnx", help="write the quantized model as QONNX"
    )
    parser.add_argument(
        "--sparsity",
        metavar="N:M",
        help="make every Dense layer N:M sparse (e.g. 2:8): weights already N:M are kept, "
        "others pruned by magnitude",
    )
    add_input_shape_option(parser)
    parser.add_argument("--json", action="store_true", help="print the per-layer report as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.frontend import load
    from fpgaforge.outputs import check_output_file, staged_file
    from fpgaforge.quant import quantize
    from fpgaforge.quant.calibrate import default_calibration, load_calibration
    from fpgaforge.quant.qonnx import save_qonnx
    from fpgaforge.quant.report import layer_errors

    inputs = [args.model, args.calib]
    if args.output:
        check_output_file(args.output, inputs=inputs)
    graph = load(args.model, parse_input_shapes(args.input_shape))
    calibration = load_calibration(args.calib, graph) if args.calib else None
    qgraph = quantize(graph, args.quant, calibration, sparsity=args.sparsity)
    rows = layer_errors(
        graph, qgraph, calibration if calibration is not None else default_calibration(graph)
    )
    if args.output:
        with staged_file(args.output, inputs=inputs) as tmp:
            save_qonnx(qgraph, tmp)
    if args.json:
        json_shapes.print_plain(json_shapes.quantize(rows))
        return 0
    console.print(errors_table(errors_title(graph.name, args.quant, bool(args.calib)), rows))
    if args.output:
        console.print(f"wrote {Path(args.output)} (QONNX)")
    return 0
