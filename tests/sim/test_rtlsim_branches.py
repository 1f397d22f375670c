"""Generated RTL beyond straight chains: the residual CNN (fork, skip FIFO, ff_add, global
average pooling) and lookup-table activations (sigmoid, tanh, hardswish, relu6 as clip),
bit-exact in cocotb at int8 and fixed:8,3."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim

pytestmark = pytest.mark.rtlsim
MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def lint(folder: Path) -> None:
    import subprocess

    from fpgaforge.sim.tools import tool_env

    tool_env("verilator")
    sources = [s for s in (folder / "filelist.f").read_text().split("\n")[1:] if s]
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "ff_lint.vlt", *sources],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def rescnn(tmp_path: Path, spec: str, vectors: int) -> Path:
    data = np.load(MODELS / "digits_rescnn_test.npz")["x"]
    out = tmp_path / spec.replace(":", "_").replace(",", "_")
    build(
        MODELS / "digits_rescnn.onnx",
        "ulx3s-85f",
        spec,
        out,
        backend="rtl",
        calibration={"x": data},
        vectors=vectors,
    )
    return out


def test_rescnn_fixed_verilator(tmp_path):
    out = rescnn(tmp_path, "fixed:8,3", 24)
    lint(out / "rtl")
    top = (out / "rtl" / "digits_rescnn_top.v").read_text()
    assert top.count("ff_fork #(") == 2 and top.count("ff_add #(") == 2
    result = run_rtlsim(out, "verilator")
    assert result.vectors == 24 and result.mismatches == 0 and result.passed, result.detail
    est = result.est_interval_cycles
    assert abs(result.interval_cycles - est) <= max(0.02 * est, 10), (result.interval_cycles, est)
    est = result.est_latency_cycles
    assert abs(result.latency_cycles - est) <= max(0.02 * est, 10), (result.latency_cycles, est)


def test_rescnn_int8_icarus(tmp_path):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    out = rescnn(tmp_path, "int8", 4)
    lint(out / "rtl")
    result = run_rtlsim(out, "icarus")
    assert result.vectors == 4 and result.mismatches == 0 and result.passed, result.detail


def lut_graph(tmp_path: Path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)

    class Acts(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Linear(16, 16)
            self.b = torch.nn.Linear(16, 16)
            self.c = torch.nn.Linear(16, 16)
            self.d = torch.nn.Linear(16, 8)

        def forward(self, x):
            x = torch.sigmoid(self.a(x))
            x = torch.tanh(self.b(x))
            x = torch.nn.functional.hardswish(self.c(x))
            return torch.nn.functional.relu6(self.d(x))

    path = tmp_path / "acts.onnx"
    torch.onnx.export(
        Acts().eval(),
        torch.randn(1, 16),
        str(path),
        input_names=["x"],
        output_names=["y"],
        dynamo=False,
    )
    return fpgaforge.load(path)


@pytest.mark.parametrize("spec", ["int8", "fixed:8,3"])
def test_lut_activations_icarus(tmp_path, spec):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    graph = lut_graph(tmp_path)
    x = np.random.default_rng(0).uniform(-2, 2, (64, 16)).astype(np.float32)
    out = tmp_path / "p"
    build(graph, "ulx3s-85f", spec, out, backend="rtl", calibration={"x": x}, vectors=32)
    lint(out / "rtl")
    assert (out / "rtl" / "ff_lutact.v").exists()
    assert len(list((out / "rtl" / "mem").glob("*_lut.hex"))) == 4
    result = run_rtlsim(out, "icarus")
    assert result.vectors == 32 and result.mismatches == 0 and result.passed, result.detail


@pytest.mark.parametrize("spec", ["int8", "fixed:8,3"])
def test_tiled_mlp(tmp_path, spec):
    """mode="tiled": one ff_tiled_gemm systolic engine from a command ROM (weights on chip),
    bit-exact, with latency and interval within 2 % / 10 cycles of the tiled schedule."""
    data = np.load(MODELS / "digits_mlp_test.npz")["x"]
    out = tmp_path / "t"
    build(
        MODELS / "digits_mlp.onnx",
        "ulx3s-85f",
        spec,
        out,
        backend="rtl",
        calibration={"x": data},
        vectors=16,
        mode="tiled",
    )
    lint(out / "rtl")
    assert (out / "rtl" / "mem" / "tiled_cmd.hex").exists()
    result = run_rtlsim(out, "verilator")
    assert result.vectors == 16 and result.mismatches == 0 and result.passed, result.detail
    for sim, est in (
        (result.latency_cycles, result.est_latency_cycles),
        (result.interval_cycles, result.est_interval_cycles),
    ):
        assert abs(sim - est) <= max(0.02 * est, 10), (sim, est)
