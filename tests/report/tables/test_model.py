"""`inspect` and `quantize` tables on the bundled MLP."""

from __future__ import annotations

import math

from fpgaforge.ir.summary import summarize
from fpgaforge.quant.report import LayerError
from fpgaforge.report.tables import model


def test_nodes_table(mlp_graph) -> None:
    summary = summarize(mlp_graph)
    table = model.nodes_table(summary)
    assert table.title == "digits_mlp: inputs x 1x64 float32 → outputs logits 1x10"
    assert table.row_count == len(summary.nodes) + 1 == 6  # five nodes and the total
    assert table.columns[2]._cells[:5] == ["Dense", "Activation", "Dense", "Activation", "Dense"]
    assert table.columns[5]._cells == ["4,160", "0", "2,080", "0", "330", "6,570"]
    assert table.columns[6]._cells[-1] == "6,464"
    assert table.columns[1]._cells[-1] == "total (5 nodes)"


def test_totals_line(mlp_graph) -> None:
    assert model.totals_line(summarize(mlp_graph)) == "6570 parameters, 6464 MACs per inference"


def test_print_inspect(mlp_graph, text_console) -> None:
    model.print_inspect(text_console, summarize(mlp_graph))
    lines = text_console.export_text().splitlines()
    assert lines[0].startswith("digits_mlp: inputs x 1x64 float32")
    assert lines[-1] == "6570 parameters, 6464 MACs per inference"


def test_sqnr() -> None:
    assert model.sqnr(math.inf) == "exact"
    assert model.sqnr(46.93) == "46.9"
    assert model.sqnr(-math.inf) == "-inf"


def test_errors_table() -> None:
    rows = [
        LayerError("relu [b]", "n", "Activation", "uint8", 46.93, 0.02617, 0, 19200),
        LayerError("logits", "n", "Dense", "int8", math.inf, 0.0, 0, 0),
    ]
    table = model.errors_table("t", rows)
    assert table.columns[0]._cells == ["relu \\[b]", "logits"]
    assert table.columns[3]._cells == ["46.9", "exact"]
    assert table.columns[4]._cells == ["0.0262", "0"]
    assert table.columns[5]._cells == ["0/19200", "-"]


def test_errors_title() -> None:
    assert model.errors_title("digits_mlp", "int8", True) == "digits_mlp quantized as int8"
    assert model.errors_title("digits_mlp", "int4", False) == (
        "digits_mlp quantized as int4 (default calibration: uniform [-1, 1])"
    )
