"""FPGA boards as declarative data: resources, clocks, memories, power, with a source for every number.

    >>> from fpgaforge import boards
    >>> board = boards.get("zcu104")
    >>> board.usable("dsp"), board.bandwidth_bytes_per_s
    (1382, 19200000000.0)

Add a board with a YAML file (docs/boards.md): put it in a directory listed in
`FPGAFORGE_BOARDS_PATH`, call `register_board_file(path)`, or pass its path to `get`.
"""

from __future__ import annotations

import builtins

from fpgaforge.boards.model import (
    BlockRam,
    Board,
    BoardError,
    Clocks,
    Memory,
    Power,
    Resources,
    ShellOverhead,
    Source,
    UsableFractions,
)
from fpgaforge.boards.registry import (
    BOARDS_PATH_ENV,
    all_boards,
    get,
    load_board_file,
    names,
    register_board_file,
    search_path,
    unregister_board,
)


def list() -> builtins.list[Board]:  # noqa: A001 - the public API is `boards.list()`
    """Every known board (built-in, `FPGAFORGE_BOARDS_PATH`, registered), sorted by name."""
    return all_boards()


__all__ = [
    "BOARDS_PATH_ENV",
    "BlockRam",
    "Board",
    "BoardError",
    "Clocks",
    "Memory",
    "Power",
    "Resources",
    "ShellOverhead",
    "Source",
    "UsableFractions",
    "get",
    "list",
    "load_board_file",
    "names",
    "register_board_file",
    "search_path",
    "unregister_board",
]
