"""The JSON the commands print: its keys, and its values taken from the library's results."""

from __future__ import annotations

import json
import math

import pytest

from fpgaforge.report import json_shapes
from tests.report.conftest import MLP

ESTIMATE_KEYS = {
    "model",
    "board",
    "quant",
    "mode",
    "clock_mhz",
    "throughput",
    "latency_s",
    "bound",
    "resources",
    "power_w",
    "static_w",
    "dynamic_w",
    "energy_per_inference_j",
    "macs",
    "offchip_bytes",
    "engine",
    "layers",
    "notes",
}


def test_estimate_of_the_mlp_on_ultra96v2(mlp_schedule) -> None:
    data = json_shapes.estimate(mlp_schedule, "digits_mlp.onnx", "int8")
    assert set(data) == ESTIMATE_KEYS
    assert (data["model"], data["board"], data["quant"]) == ("digits_mlp.onnx", "ultra96v2", "int8")
    assert data["mode"] == "streaming" and data["engine"] is None
    assert data["clock_mhz"] == 200.0  # ultra96v2's default clock
    assert data["macs"] == 64 * 64 + 64 * 32 + 32 * 10  # the three Dense layers
    report = mlp_schedule.report
    assert data["throughput"] == report.throughput > 0
    assert data["latency_s"] == report.latency_s > 0
    assert data["power_w"] == pytest.approx(data["static_w"] + data["dynamic_w"])
    assert data["energy_per_inference_j"] == report.energy_per_inference_j
    assert data["notes"] == list(report.notes)
    # one layer per stage: the input quantizer, then one MVAU per Dense (ReLU fused), each
    # behind the width converter from its producer's lanes to its SIMD
    kinds = ["requant", "dwc", "mvau", "dwc", "mvau", "dwc", "mvau"]
    assert [layer["kind"] for layer in data["layers"]] == kinds
    assert [layer["name"] for layer in data["layers"] if layer["kind"] == "mvau"] == [
        "/net/net.0/Gemm",
        "/net/net.2/Gemm",
        "/net/net.4/Gemm",
    ]
    assert sum(layer["macs"] for layer in data["layers"]) == data["macs"]
    dsp = data["resources"]["dsp"]
    assert dsp["available"] == 360 and 0 < dsp["used"] <= dsp["usable"]
    assert dsp["percent"] == pytest.approx(100 * dsp["used"] / dsp["available"])
    json.dumps(data)  # JSON-ready as it is


def test_estimate_notes_the_default_calibration(mlp_schedule) -> None:
    data = json_shapes.estimate(mlp_schedule, "m.onnx", "int8", how="default calibration")
    assert data["notes"][:-1] == list(mlp_schedule.report.notes)
    assert data["notes"][-1].startswith("No --calib given")


def test_quantize_rows_of_the_mlp(mlp_graph, mlp_calibration) -> None:
    from fpgaforge.quant import quantize
    from fpgaforge.quant.report import LayerError, layer_errors

    rows = layer_errors(mlp_graph, quantize(mlp_graph, "int8", mlp_calibration), mlp_calibration)
    data = json_shapes.quantize(rows)
    assert [d["tensor"] for d in data] == [
        "/net/net.1/Relu_output_0",
        "/net/net.3/Relu_output_0",
        "logits",
    ]
    assert set(data[0]) == {
        "tensor",
        "node",
        "op",
        "dtype",
        "sqnr_db",
        "max_abs_error",
        "overflowed",
        "total",
    }
    assert all(d["sqnr_db"] > 20 for d in data)  # int8 with calibration is close to float
    assert data[-1]["total"] == 300 * 10  # 300 test images × 10 logits
    exact = LayerError("t", "n", "Dense", "int8", math.inf, 0.0, 0, 10)
    assert json_shapes.quantize([exact])[0]["sqnr_db"] is None


def test_inspect_and_boards(mlp_graph) -> None:
    from fpgaforge import boards
    from fpgaforge.ir.summary import summarize

    data = json_shapes.inspect(summarize(mlp_graph))
    assert data == summarize(mlp_graph).to_dict()
    known = json_shapes.boards(boards.list())
    assert {"ultra96v2", "zcu104"} <= {b["name"] for b in known}
    zcu104 = json_shapes.board(boards.get("zcu104"))
    assert zcu104["name"] == "zcu104" and zcu104 in known


def test_rtlsim_shape() -> None:
    from fpgaforge.sim.rtlsim import RtlsimResult

    result = RtlsimResult("verilator", "digits_mlp_top", 5, 5, 0, 62, 16, 60.0, 16, 336, 0.32, 0.05)
    data = json_shapes.rtlsim(result)
    assert data["passed"] is True and data["detail"] == []
    assert (data["latency_cycles"], data["est_latency_cycles"]) == (62, 60.0)
    failed = RtlsimResult(
        "icarus", "t", 2, 2, 1, 9, 4, None, None, 20, 1.0, 1.0, ({"vector": 1, "positions": [3]},)
    )
    data = json_shapes.rtlsim(failed)
    assert data["passed"] is False and data["detail"] == [{"vector": 1, "positions": [3]}]


def test_synth_is_the_report_itself() -> None:
    report = {"top": "t", "resources": {"lut": {"yosys": 1.0, "estimate": 2.0, "ratio": 0.5}}}
    assert json_shapes.synth(report) is report


def test_dse_text_is_sorted_and_stable() -> None:
    result = {
        "model": "m.onnx",
        "points": [{"board": "b", "quant": "int8", "mode": "auto", "throughput": math.inf}],
        "pareto": [],
        "objectives": [],
    }
    text = json_shapes.dse(result)
    assert text.index('"model"') < text.index('"objectives"') < text.index('"pareto"')
    assert '"throughput": Infinity' in text
    assert json.loads(text)["points"][0]["board"] == "b"


def test_print_plain_and_rich(capsys, text_console) -> None:
    json_shapes.print_plain({"b": 1, "a": [1, 2]}, sort_keys=True)
    assert capsys.readouterr().out == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    json_shapes.print_plain({"b": 1, "a": 2})
    assert capsys.readouterr().out == '{\n  "b": 1,\n  "a": 2\n}\n'
    json_shapes.print_rich(text_console, {"top": "digits_mlp_top", "passed": True})
    assert text_console.export_text() == '{\n  "top": "digits_mlp_top",\n  "passed": true\n}\n'


def test_model_path_is_printed_as_given(mlp_schedule) -> None:
    assert json_shapes.estimate(mlp_schedule, str(MLP), "int8")["model"] == str(MLP)
