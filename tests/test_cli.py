"""The `fpgaforge` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fpgaforge.cli import main, parse_input_shapes
from fpgaforge.errors import UsageError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "models"


def test_inspect_table(capsys) -> None:
    assert main(["inspect", str(EXAMPLES / "digits_cnn.onnx")]) == 0
    out = capsys.readouterr().out
    assert "Conv" in out and "Dense" in out and "total (8 nodes)" in out
    assert "23,680" in out  # MACs of the digits CNN: 4,608 + 18,432 + 640


def test_inspect_json(capsys) -> None:
    assert main(["inspect", str(EXAMPLES / "digits_mlp.onnx"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["inputs"] == [{"name": "x", "shape": [1, 64], "dtype": "float32"}]
    assert [n["op"] for n in data["nodes"]] == [
        "Dense",
        "Activation",
        "Dense",
        "Activation",
        "Dense",
    ]
    assert data["totals"]["macs"] == 64 * 64 + 64 * 32 + 32 * 10
    assert data["totals"]["params"] == 64 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10


def test_console_script_exit_code(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fpgaforge.cli", "inspect", str(tmp_path / "none.onnx")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "does not exist" in result.stderr


def test_parse_input_shapes() -> None:
    assert parse_input_shapes(["x=1x3x224x224", "y=4"]) == {"x": (1, 3, 224, 224), "y": (4,)}
    with pytest.raises(UsageError):
        parse_input_shapes(["x=1x0x3"])
    with pytest.raises(UsageError):
        parse_input_shapes(["x:1x3"])
