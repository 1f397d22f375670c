"""Bad quantization input: one sentence, exit code 2 from the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.cli import main
from fpgaforge.errors import FeedError, QuantizationError
from fpgaforge.quant import parse_spec
from fpgaforge.quant.calibrate import load_calibration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"
CNN = EXAMPLES / "digits_cnn.onnx"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "fixed:0,3",
            "Quantization spec 'fixed:0,3' asks for 0-bit tensors; widths must be at least 1 bit.",
        ),
        (
            "int-4",
            "Quantization spec 'int-4' asks for -4-bit tensors; widths must be at least 1 bit.",
        ),
        ("w0a8", "Quantization spec 'w0a8' asks for 0-bit tensors; widths must be at least 1 bit."),
        (
            "fixed:8,40",
            "Quantization spec 'fixed:8,40' gives 40 integer bits to a 8-bit type; use between -8 and 16.",
        ),
        (
            "fixed:8,3,ROUND",
            "Quantization spec 'fixed:8,3,ROUND' has the unknown mode 'ROUND'; use one of TRN, RND, RND_ZERO, RND_MIN_INF, RND_INF, RND_CONV, TRN_ZERO.",
        ),
        (
            "float8",
            "Cannot understand the quantization spec 'float8'; use fixed:8,3, fixed:8, fixed:8,3,RND,SAT, int8, int4, w4a8 or a YAML file.",
        ),
        (
            "int64",
            "Quantization spec 'int64' asks for 64-bit tensors; fpgaforge supports up to 32 bits.",
        ),
    ],
)
def test_impossible_specs(spec: str, message: str) -> None:
    with pytest.raises(QuantizationError) as info:
        parse_spec(spec)
    assert str(info.value) == message


def test_calibration_with_wrong_input_name(tmp_path: Path) -> None:
    path = tmp_path / "calib.npz"
    np.savez(path, image=np.zeros((4, 1, 8, 8), np.float32))
    with pytest.raises(FeedError) as info:
        load_calibration(str(path), fpgaforge.load(CNN))
    assert str(info.value) == (
        f"Calibration file '{path}' has an array named 'image', but the model's inputs are x (Nx1x8x8); "
        "key the arrays by input name."
    )


def test_calibration_with_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "calib.npz"
    np.savez(path, x=np.zeros((4, 64), np.float32))
    with pytest.raises(FeedError) as info:
        load_calibration(str(path), fpgaforge.load(CNN))
    assert (
        str(info.value)
        == f"Calibration array 'x' in '{path}' has shape 4x64, but the model expects Nx1x8x8."
    )


def test_calibration_dict_with_wrong_name_via_api() -> None:
    with pytest.raises(FeedError, match="^Calibration data has an array named 'img'"):
        fpgaforge.quantize(fpgaforge.load(CNN), "int8", {"img": np.zeros((2, 1, 8, 8), np.float32)})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--quant", "fixed:0,3"], "asks for 0-bit tensors"),
        (["--quant", "blah"], "Cannot understand the quantization spec 'blah'"),
        (["--quant", "int8", "--calib", "{bad_name}"], "has an array named 'image'"),
        (
            ["--quant", "int8", "--calib", "{bad_shape}"],
            "has shape 4x64, but the model expects Nx1x8x8",
        ),
        (["--quant", "int8", "--calib", "{missing}"], "does not exist"),
    ],
)
def test_cli_quantize_errors(args, expected, tmp_path: Path, capsys) -> None:
    np.savez(tmp_path / "bad_name.npz", image=np.zeros((4, 1, 8, 8), np.float32))
    np.savez(tmp_path / "bad_shape.npz", x=np.zeros((4, 64), np.float32))
    paths = {k: str(tmp_path / f"{k}.npz") for k in ("bad_name", "bad_shape", "missing")}
    code = main(
        ["quantize", str(CNN), *[a.format(**paths) for a in args], "-o", str(tmp_path / "out.onnx")]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert expected in " ".join(captured.err.split())
    assert not (tmp_path / "out.onnx").exists()


def test_cli_quantize_writes_qonnx_and_table(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cnn_q.onnx"
    code = main(
        [
            "quantize",
            str(CNN),
            "--quant",
            "fixed:8,3",
            "--calib",
            str(EXAMPLES / "digits_cnn_test.npz"),
            "-o",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0 and out.exists()
    assert "SQNR dB" in text and "logits" in text
    restored = fpgaforge.quant.load_qonnx(out)
    assert restored.metadata["quantized"] is True
