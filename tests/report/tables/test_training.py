"""The training-step table: one row per GEMM of the N:M step against dense, in run order;
layer names are escaped."""

from __future__ import annotations

from rich.console import Console

from fpgaforge.report.tables import training

ROW = {
    "layer": "conv[1]",
    "phase": "forward",
    "sparse": True,
    "cycles": 1250.0,
    "bound": "transfers",
    "dense_cycles": 2500.0,
    "dense_bound": "array",
}


def test_layer_table_rows() -> None:
    result = {"pattern": "2:8", "layers": [ROW, {**ROW, "phase": "weight gradient",
                                                 "sparse": False, "cycles": 2500.0,
                                                 "bound": "array"}]}  # fmt: skip
    console = Console(width=200, record=True)
    console.print(training.layer_table(result))
    text = console.export_text()
    assert "conv[1]" in text  # escaped, not read as markup
    lines = [line for line in text.splitlines() if "conv[1]" in line]
    assert len(lines) == 2
    assert "yes" in lines[0] and "1,250" in lines[0] and "transfers" in lines[0]
    assert "0.50" in lines[0] and "1.00" in lines[1]
