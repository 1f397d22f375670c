"""`fpgaforge boards [--json] [NAME]`: the board registry as a table, JSON, or one board's details."""

from __future__ import annotations

import argparse

from rich.console import Console

from fpgaforge.report import json_shapes
from fpgaforge.report.tables.boards import boards_table, print_details


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "boards", help="list the known FPGA boards, or show one board's details and sources"
    )
    parser.add_argument("name", nargs="?", help="a board name (e.g. zcu104) or a board YAML file")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    from fpgaforge import boards

    if args.name:
        board = boards.get(args.name)
        if args.json:
            json_shapes.print_plain(json_shapes.board(board))
        else:
            print_details(board, console)
        return 0
    known = boards.list()
    if args.json:
        json_shapes.print_plain(json_shapes.boards(known))
        return 0
    console.print(boards_table(known))
    return 0
