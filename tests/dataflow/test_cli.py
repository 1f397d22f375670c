"""`fpgaforge estimate` and `fpgaforge dse` from the command line."""

from __future__ import annotations

import json

import pytest

from fpgaforge.cli import main
from tests.dataflow.conftest import MODELS

MODEL = str(MODELS / "digits_cnn.onnx")
KEYS = {
    "throughput",
    "latency_s",
    "clock_mhz",
    "mode",
    "resources",
    "power_w",
    "energy_per_inference_j",
    "layers",
}


def test_estimate_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", MODEL, "--board", "ultra96v2", "--quant", "int8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert KEYS <= set(data)
    assert data["mode"] == "streaming" and data["throughput"] > 0
    assert set(data["resources"]["dsp"]) >= {"used", "available"}
    assert data["layers"] and {"name", "cycles", "bound", "resources"} <= set(data["layers"][0])


def test_estimate_table_and_schedule_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sched.json"
    assert (
        main(
            [
                "estimate",
                MODEL,
                "--board",
                "zcu104",
                "--quant",
                "fixed:8,3",
                "--mode",
                "tiled",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "inferences/s" in text and "tiled" in text
    assert json.loads(out.read_text())["mode"] == "tiled"


def test_impossible_target_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["estimate", MODEL, "--board", "ultra96v2", "--quant", "int8", "--target-fps", "1e12"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "out of reach on ultra96v2" in err and "Traceback" not in err


def test_unknown_board_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", MODEL, "--board", "no-such-board", "--quant", "int8"]) == 2


def test_dse_cli_writes_json(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dse.json"
    assert (
        main(
            [
                "dse",
                MODEL,
                "--boards",
                "ultra96v2,pynq-z2",
                "--quant",
                "fixed:8,3,int4",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())
    assert [(p["board"], p["quant"]) for p in data["points"]] == [
        ("pynq-z2", "fixed:8,3"),
        ("pynq-z2", "int4"),
        ("ultra96v2", "fixed:8,3"),
        ("ultra96v2", "int4"),
    ]
    assert data["pareto"]
