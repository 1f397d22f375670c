"""Full-model RTL simulation (cocotb): bundled MLP and CNN at int8 and fixed:8,3, bit-exact,
with the simulated initiation interval checked against the scheduler's estimate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim

pytestmark = pytest.mark.rtlsim
MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


def make(tmp_path: Path, model: str, spec: str, board: str) -> Path:
    data = np.load(MODELS / f"{model}_test.npz")["x"]
    out = tmp_path / f"{model}_{spec.replace(':', '_').replace(',', '_')}"
    build(
        MODELS / f"{model}.onnx",
        board,
        spec,
        out,
        backend="rtl",
        calibration={"x": data},
        vectors=100,
    )
    return out


@pytest.mark.parametrize(
    ("model", "spec", "board", "ii_tolerance"),
    [
        ("digits_mlp", "int8", "ulx3s-85f", None),
        ("digits_mlp", "fixed:8,3", "ulx3s-85f", None),
        ("digits_cnn", "int8", "ulx3s-85f", None),
        # zcu104: every CNN stage has an interval of 64; the 4->2 lane width converter used
        # to stall the pool behind conv 2 (72 vs 64) until ff_dwc took a beat while popping.
        ("digits_cnn", "fixed:8,3", "zcu104", None),
    ],
)
def test_model_verilator(tmp_path, model, spec, board, ii_tolerance):
    result = run_rtlsim(make(tmp_path, model, spec, board), "verilator")
    assert result.vectors == 100
    assert result.mismatches == 0 and result.passed, result.detail
    sim, est = result.interval_cycles, result.est_interval_cycles
    if ii_tolerance is None:
        assert agree(sim, est), (sim, est)
    else:
        assert abs(sim - est) <= ii_tolerance * est, (sim, est)


def test_model_icarus(tmp_path):
    result = run_rtlsim(make(tmp_path, "digits_mlp", "int8", "ulx3s-85f"), "icarus", vectors=100)
    assert result.passed and result.vectors == 100, result.detail
    assert agree(result.interval_cycles, result.est_interval_cycles)
