"""`fpgaforge inspect MODEL`: a per-node table of a model."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.cli import add_input_shape_option, parse_input_shapes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "inspect", help="print a per-node table of a model (op, shape, parameters, MACs)"
    )
    parser.add_argument("model", help="an ONNX file")
    add_input_shape_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.frontend import load
    from fpgaforge.ir.printing import format_count, shape_text
    from fpgaforge.ir.summary import summarize

    graph = load(args.model, parse_input_shapes(args.input_shape))
    summary = summarize(graph)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2))
        return 0
    inputs = ", ".join(f"{n} {shape_text((s,))} {d}" for n, s, d in summary.inputs)
    outputs = ", ".join(f"{n} {shape_text((s,))}" for n, s, _ in summary.outputs)
    table = Table(
        title=f"{summary.name}: inputs {inputs} → outputs {outputs}", title_justify="left"
    )
    for column, justify in (
        ("#", "right"),
        ("node", "left"),
        ("op", "left"),
        ("attributes", "left"),
        ("output shape", "left"),
        ("params", "right"),
        ("MACs", "right"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for i, node in enumerate(summary.nodes):
        table.add_row(
            str(i),
            escape(node.name),
            node.op,
            escape(node.detail),
            shape_text(node.output_shapes),
            f"{node.params:,}",
            f"{node.macs:,}",
        )
    table.add_section()
    table.add_row(
        "",
        f"total ({len(summary.nodes)} nodes)",
        "",
        "",
        "",
        f"{summary.total_params:,}",
        f"{summary.total_macs:,}",
    )
    console.print(table)
    console.print(
        f"{format_count(summary.total_params)} parameters, {format_count(summary.total_macs)} MACs per inference"
    )
    return 0
