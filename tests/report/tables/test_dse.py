"""The DSE table: one row per design point, `*` on the Pareto front, errors cut short."""

from __future__ import annotations

from fpgaforge.report.tables import dse

POINT = {
    "board": "ultra96v2",
    "quant": "int4",
    "mode": "auto",
    "scheduled_mode": "streaming",
    "throughput": 2.5e7,
    "latency_s": 1.6e-07,
    "energy_per_inference_j": 5.44e-08,
    "power_w": 1.36,
    "resource_fraction": 0.983,
    "bound": "compute",
    "pareto": True,
}


def test_point_row() -> None:
    assert dse.point_row(POINT) == (
        "*",
        "ultra96v2",
        "int4",
        "auto",
        "streaming",
        "2.5e+07",
        "1.6e-07 s",
        "5.44e-08 J",
        "1.36 W",
        "98.3",
        "compute",
    )
    row = dse.point_row({**POINT, "pareto": False, "energy_per_inference_j": None})
    assert row[0] == "" and row[7] == "- J"


def test_error_row_is_cut_and_escaped() -> None:
    error = "[bold]Board 'x' has no DSPs; " + "a" * 80
    row = dse.point_row({"board": "x", "quant": "int8", "mode": "tiled", "error": error})
    assert row[:4] == ("", "x", "int8", "tiled")
    assert row[4:10] == ("-",) * 6
    assert row[10] == "\\" + error[:60]


def test_points_table() -> None:
    result = {"model": "digits_mlp.onnx", "points": [POINT, {**POINT, "quant": "int8"}]}
    table = dse.points_table(result)
    assert table.title == "digits_mlp.onnx: design points (* = Pareto front)"
    assert [c.header for c in table.columns] == list(dse.COLUMNS)
    assert table.row_count == 2
    left = [c.header for c in table.columns if c.justify == "left"]
    assert left == list(dse.LEFT)
