"""The board list and one board's details (zcu104 and ultra96v2 from the registry)."""

from __future__ import annotations

from fpgaforge import boards
from fpgaforge.report.tables import boards as tables
from tests.report.conftest import render


def test_cells_of_zcu104() -> None:
    zcu104 = boards.get("zcu104")
    assert tables.bram(zcu104) == "312 × 36 Kb"
    assert tables.clock(zcu104) == "200 (max 775) MHz"
    assert tables.bandwidth(zcu104) == "DDR4 19.2 GB/s"


def test_rows_of_zcu104() -> None:
    rows = {name: (value, usable) for name, value, usable in tables.rows(boards.get("zcu104"))}
    assert rows["resources.lut"] == ("230,400", "161,280")
    assert rows["resources.dsp"][0] == "1,728 DSP48E2"
    assert rows["resources.bram"][0] == "312 × 36 Kb"
    assert rows["memory[0].capacity_bytes"] == ("DDR4 2,147,483,648", "")
    assert rows["memory[0].peak_bandwidth_gbps"] == ("19.2 GB/s", "13.44 GB/s")
    assert rows["power.static_w"] == ("null", "")


def test_boards_table(text_console) -> None:
    known = boards.list()
    table = tables.boards_table(known)
    assert table.row_count == len(known)
    names = table.columns[0]._cells
    assert "ultra96v2" in names and "zcu104" in names
    assert [c.header for c in table.columns][4::4] == ["DSP (kind)", "memory bandwidth (peak)"]
    zcu104 = boards.get("zcu104")
    row = names.index("zcu104")
    assert [c._cells[row] for c in table.columns[2:5]] == ["230,400", "460,800", "1,728 (DSP48E2)"]
    assert table.columns[7]._cells[row] == tables.clock(zcu104)
    assert "│ zcu104 " in render(text_console, table)


def test_details(text_console) -> None:
    board = boards.get("ultra96v2")
    tables.print_details(board, text_console)
    lines = text_console.export_text().splitlines()
    assert lines[0] == f"ultra96v2: {board.description}"
    assert f"part {board.part}" in lines[1]
    table = tables.details_table(board)
    assert table.row_count == len(tables.rows(board))
