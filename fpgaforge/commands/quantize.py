"""`fpgaforge quantize MODEL --quant SPEC [--calib DATA.npz] -o OUT.onnx`: PTQ with a per-layer error report."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.cli import add_input_shape_option, parse_input_shapes


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
    add_input_shape_option(parser)
    parser.add_argument("--json", action="store_true", help="print the per-layer report as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.frontend import load
    from fpgaforge.quant import quantize
    from fpgaforge.quant.calibrate import default_calibration, load_calibration
    from fpgaforge.quant.qonnx import save_qonnx
    from fpgaforge.quant.report import layer_errors

    graph = load(args.model, parse_input_shapes(args.input_shape))
    calibration = load_calibration(args.calib, graph) if args.calib else None
    qgraph = quantize(graph, args.quant, calibration)
    rows = layer_errors(
        graph, qgraph, calibration if calibration is not None else default_calibration(graph)
    )
    if args.output:
        save_qonnx(qgraph, args.output)
    if args.json:
        print(
            json.dumps(
                [
                    {**r.__dict__, "sqnr_db": None if math.isinf(r.sqnr_db) else r.sqnr_db}
                    for r in rows
                ],
                indent=2,
            )
        )
        return 0
    title = f"{graph.name} quantized as {args.quant}" + (
        "" if args.calib else " (default calibration: uniform [-1, 1])"
    )
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("tensor", "left"),
        ("op", "left"),
        ("type", "left"),
        ("SQNR dB", "right"),
        ("max |err|", "right"),
        ("overflowed", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        sqnr = "exact" if math.isinf(r.sqnr_db) and r.sqnr_db > 0 else f"{r.sqnr_db:.1f}"
        over = f"{r.overflowed}/{r.total}" if r.total else "-"
        table.add_row(escape(r.tensor), r.op, escape(r.dtype), sqnr, f"{r.max_abs_error:.3g}", over)
    console.print(table)
    if args.output:
        console.print(f"wrote {Path(args.output)} (QONNX)")
    return 0
