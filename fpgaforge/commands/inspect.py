"""`fpgaforge inspect MODEL`: a per-node table of a model."""

from __future__ import annotations

import argparse

from rich.console import Console

from fpgaforge.cli import add_input_shape_option, parse_input_shapes
from fpgaforge.report import json_shapes
from fpgaforge.report.tables.model import print_inspect


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "inspect", help="print a per-node table of a model (op, shape, parameters, MACs)"
    )
    parser.add_argument(
        "model", help="an ONNX file, or a built-in model name (mamba2-130m ... mamba2-2.7b)"
    )
    add_input_shape_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--nodes",
        action="store_true",
        help="one row per node for a built-in model (default: one row per layer)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.frontend import load
    from fpgaforge.ir.summary import summarize
    from fpgaforge.models import CONFIGS, config, step_graph

    builtin = args.model in CONFIGS
    if builtin:
        graph = step_graph(config(args.model), name=args.model)
    else:
        graph = load(args.model, parse_input_shapes(args.input_shape))
    summary = summarize(graph)
    if args.json:
        json_shapes.print_plain(json_shapes.inspect(summary))
        return 0
    print_inspect(console, summary, by_layer=builtin and not args.nodes)
    if builtin:
        console.print("(decode step: MACs are per token)")
    return 0
