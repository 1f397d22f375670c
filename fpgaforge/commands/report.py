"""`fpgaforge report OUT -o report.html`: one self-contained HTML page for a build folder."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from fpgaforge.report.progress import tty_status


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report",
        help="write an HTML report of a build folder (estimates, quantization error, and the "
        "csim, rtlsim and synth results found in it)",
    )
    parser.add_argument("project", metavar="OUT", help="a folder written by `fpgaforge build`")
    parser.add_argument(
        "-o", "--output", default="report.html", metavar="REPORT.html", help="(report.html)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge.outputs import check_output_file
    from fpgaforge.report.html import build_report, write_html

    check_output_file(args.output, inputs=(args.project,), option="-o")
    with tty_status("drawing the report", args.quiet):
        text = build_report(args.project)
    write_html(args.output, text, inputs=(args.project,))
    console.print(f"wrote {escape(args.output)}")
    return 0
