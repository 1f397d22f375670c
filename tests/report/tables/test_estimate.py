"""The estimate tables and summary line, on the bundled MLP scheduled on ultra96v2."""

from __future__ import annotations

from fpgaforge.report import json_shapes
from fpgaforge.report.numbers import number
from fpgaforge.report.tables import estimate
from tests.report.conftest import render


def test_folding_keeps_the_set_parallelism() -> None:
    layer = {"folding": {"pe": 4, "simd": 64, "weight_mem": "auto", "tile": 8}}
    assert estimate.folding(layer) == "pe=4 simd=64"
    assert estimate.folding({"folding": {"rows": 16, "cols": 8, "weight_mem": "bram"}}) == (
        "rows=16 cols=8 weight_mem=bram"
    )
    assert estimate.folding({"folding": {}}) == ""


def test_layer_table(mlp_schedule, text_console) -> None:
    result = json_shapes.estimate(mlp_schedule, "digits_mlp.onnx", "int8")
    table = estimate.layer_table(result)
    assert [c.header for c in table.columns] == list(estimate.LAYER_COLUMNS)
    # the input quantizer, a width converter before each Dense, the three MVAUs
    assert table.row_count == len(result["layers"]) == 7
    assert table.title.startswith("digits_mlp.onnx on ultra96v2 (int8, streaming, 200 MHz)")
    cycles = table.columns[3]._cells
    assert cycles == [number(layer["cycles"]) for layer in result["layers"]]
    macs = table.columns[10]._cells
    assert macs == ["0", "0", "4,096", "0", "2,048", "0", "320"]
    text = render(text_console, table)
    assert "/net/net.2/Gemm" in text and "mvau" in text


def test_resource_table(mlp_schedule) -> None:
    result = json_shapes.estimate(mlp_schedule, "digits_mlp.onnx", "int8")
    table = estimate.resource_table(result)
    assert table.columns[0]._cells == ["DSP", "LUT", "FF", "BRAM", "URAM"]
    dsp = result["resources"]["dsp"]
    assert [c._cells[0] for c in table.columns[1:]] == [
        number(dsp["used"]),
        number(dsp["usable"]),
        "360",
        f"{dsp['percent']:.1f}",
    ]


def test_summary_line() -> None:
    result = {
        "throughput": 12500000.0,
        "latency_s": 3e-07,
        "bound": "compute",
        "power_w": 1.080284075,
        "static_w": 0.24696,
        "energy_per_inference_j": 8.6422726e-08,
    }
    assert estimate.summary_line(result) == (
        "throughput 1.25e+07 inferences/s, latency 300 ns, compute-bound; power 1.08 W "
        "(static 0.25 W), energy 86.4 nJ per inference"
    )


def test_print_estimate(mlp_schedule, text_console) -> None:
    result = json_shapes.estimate(mlp_schedule, "digits_mlp.onnx", "int8", "default calibration")
    estimate.print_estimate(text_console, result)
    lines = text_console.export_text().splitlines()
    assert lines[0].startswith("digits_mlp.onnx on ultra96v2")
    assert any(line.startswith("resources") for line in lines)
    notes = [line for line in lines if line.startswith("note: ")]
    assert notes == [f"note: {n}" for n in result["notes"]]
    assert lines[-len(notes) - 1] == estimate.summary_line(result)
