"""Full-model RTL simulation (cocotb): the bundled models and a 24-48-40-7 MLP at int8 and
fixed point, bit-exact, with the simulated initiation interval equal to the scheduler's
estimate and the latency within max(2 %, 2 cycles) of it (the schedule counts the stream
glue: width converters, forks, skip FIFOs; docs/rtl.md "Cycle model vs simulation")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import RtlsimResult, run_rtlsim
from tests.toy_models import mlp_inputs, mlp_onnx

pytestmark = pytest.mark.rtlsim
MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def agree(sim: float, est: float) -> bool:
    """Latency: within 2 % or 2 cycles."""
    return abs(sim - est) <= max(0.02 * est, 2)


def build_and_simulate(
    model: str | Path, board: str, out: Path, data: np.ndarray, vectors: int
) -> tuple[list[str], RtlsimResult]:
    """`model` built int8 for RTL on `board` (calibrated on and vectors from `data`) and run
    on Verilator: the top's unit modules and the simulation's result."""
    build(model, board, "int8", out, backend="rtl", calibration={"x": data}, vectors=vectors)
    units = json.loads((out / "rtl" / "project.json").read_text())["units"]
    return [u["module"] for u in units], run_rtlsim(out, "verilator")


def make(tmp_path: Path, model: str, spec: str, board: str) -> Path:
    if model == "mlp_24_48_40_7":
        onnx_path, data = mlp_onnx(tmp_path / f"{model}.onnx"), mlp_inputs(count=100)
    else:
        onnx_path, data = MODELS / f"{model}.onnx", np.load(MODELS / f"{model}_test.npz")["x"]
    out = tmp_path / f"{model}_{spec.replace(':', '_').replace(',', '_')}"
    build(
        onnx_path,
        board,
        spec,
        out,
        backend="rtl",
        calibration={"x": data},
        vectors=100,
    )
    return out


@pytest.mark.parametrize(
    ("model", "spec", "board"),
    [
        ("digits_mlp", "int8", "ulx3s-85f"),
        ("digits_mlp", "fixed:8,3", "ultra96v2"),
        # ulx3s: conv 2 waits for its first window's pixels at conv 1's pace (the cost
        # model's `need`), and the 2 -> 1 lane converter in front of the dense layer buffers
        # a pooled pixel's burst (it used to stall conv 2: interval 132 vs 128)
        ("digits_cnn", "int8", "ulx3s-85f"),
        ("digits_cnn", "fixed:8,3", "ulx3s-85f"),
        # zcu104: every CNN stage has an interval of 64; the 4->2 lane width converter used
        # to stall the pool behind conv 2 (72 vs 64) until ff_dwc took a beat while popping.
        ("digits_cnn", "fixed:8,3", "zcu104"),
        # DSP48E2 boards at int8: ff_mvau multiplies PE pairs in one packed 27x18 product
        ("digits_mlp", "int8", "ultra96v2"),
        ("digits_cnn", "int8", "zcu104"),
        # a 24-48-40-7 MLP whose foldings need a width converter between every two layers
        ("mlp_24_48_40_7", "fixed:8", "ultra96v2"),
    ],
)
def test_model_verilator(tmp_path, model, spec, board):
    result = run_rtlsim(make(tmp_path, model, spec, board), "verilator")
    assert result.vectors == 100
    assert result.mismatches == 0 and result.passed, result.detail
    sim, est = result.interval_cycles, result.est_interval_cycles
    assert sim == est, ("interval", sim, est)
    sim, est = result.latency_cycles, result.est_latency_cycles
    assert agree(sim, est), ("latency", sim, est)


def test_model_icarus(tmp_path):
    result = run_rtlsim(make(tmp_path, "digits_mlp", "int8", "ulx3s-85f"), "icarus", vectors=100)
    assert result.passed and result.vectors == 100, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    assert agree(result.latency_cycles, result.est_latency_cycles)
