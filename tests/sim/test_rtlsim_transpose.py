"""A Transpose in the middle of a model: the `stream` stage becomes an ff_reorder frame
buffer whose index ROM the generator writes into mem/; bit-exact in cocotb (Verilator) with
latency and interval within 2 % or 10 cycles of the schedule. Reshape/Flatten stages cost
no cycles in the schedule and no unit in the generated top (the plan relabels the stream)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.flow import build
from fpgaforge.ir.graph import Graph
from fpgaforge.sim.rtlsim import run_rtlsim
from fpgaforge.sim.tools import tool_env

BOARD = "ulx3s-85f"
VECTORS = 40


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


def dense_graph(tmp_path: Path) -> tuple[Graph, np.ndarray]:
    """Linear → reshape (1, 4, 8) → transpose(1, 2) → flatten → Linear, exported to ONNX."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)

    class Mixer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Linear(16, 32)
            self.b = torch.nn.Linear(32, 10)

        def forward(self, x):
            x = torch.relu(self.a(x))
            x = x.reshape(1, 4, 8).transpose(1, 2).flatten(1)
            return self.b(x)

    path = tmp_path / "mixer.onnx"
    torch.onnx.export(Mixer().eval(), torch.randn(1, 16), str(path), input_names=["x"],
                      output_names=["y"], dynamo=False)  # fmt: skip
    x = np.random.default_rng(0).uniform(-2, 2, (64, 16)).astype(np.float32)
    return fpgaforge.load(path), x


def conv_graph(tmp_path: Path) -> tuple[Graph, np.ndarray]:
    """Conv → ReLU → transpose of the feature map's H and W → Conv → flatten → Linear."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)

    class Swap(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = torch.nn.Conv2d(2, 4, 3, padding=1)
            self.c2 = torch.nn.Conv2d(4, 4, 3)
            self.fc = torch.nn.Linear(4 * 4 * 2, 6)

        def forward(self, x):
            x = torch.relu(self.c1(x)).transpose(2, 3)
            return self.fc(torch.relu(self.c2(x)).flatten(1))

    path = tmp_path / "swap.onnx"
    torch.onnx.export(Swap().eval(), torch.randn(1, 2, 4, 6), str(path), input_names=["x"],
                      output_names=["y"], dynamo=False)  # fmt: skip
    x = np.random.default_rng(1).uniform(-2, 2, (64, 2, 4, 6)).astype(np.float32)
    return fpgaforge.load(path), x


def make(tmp_path: Path, which: str, spec: str) -> Path:
    graph, x = (dense_graph if which == "dense" else conv_graph)(tmp_path)
    out = tmp_path / f"{which}_{spec.replace(':', '_').replace(',', '_')}"
    build(graph, BOARD, spec, out, backend="rtl", calibration={"x": x}, vectors=VECTORS)
    return out


def lint(folder: Path) -> None:
    tool_env("verilator")
    sources = [s for s in (folder / "filelist.f").read_text().split("\n")[1:] if s]
    proc = subprocess.run(["verilator", "--lint-only", "-Wall", "ff_lint.vlt", *sources],
                          cwd=folder, capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_free_ops_cost_nothing(tmp_path):
    """Reshape/Flatten: 0 cycles in the schedule and no unit in the top; the Transpose is one
    ff_reorder with its index ROM, charged the `stream` template's buffered cycles."""
    import json

    out = make(tmp_path, "dense", "int8")
    sched = json.loads((out / "schedule.json").read_text())
    project = json.loads((out / "rtl" / "project.json").read_text())
    stages = {s["name"]: s for s in project["estimate"]["stages"]}
    units = project["units"]
    for name in ("/Reshape", "/Flatten"):
        assert (stages[name]["cycles"], stages[name]["ii"]) == (0, 0)
        assert not [u for u in units if u["stage"] == name]
    reorder = [u for u in units if u["stage"] == "/Transpose"]
    assert [u["module"] for u in reorder] == ["ff_reorder"]
    pe = next(s for s in sched["stages"] if s["name"] == "/Transpose")["folding"]["pe"]
    beats = 32 // pe
    assert (stages["/Transpose"]["cycles"], stages["/Transpose"]["ii"]) == (2 * beats + 2, beats)
    assert len(list((out / "rtl" / "mem").glob("*_order.hex"))) == 1
    assert (out / "rtl" / "ff_reorder.v").exists()


@pytest.mark.rtlsim
@pytest.mark.parametrize(("which", "spec"), [("dense", "int8"), ("dense", "fixed:8,3"),
                                             ("conv", "int8")])  # fmt: skip
def test_transpose_verilator(tmp_path, which, spec):
    out = make(tmp_path, which, spec)
    lint(out / "rtl")
    result = run_rtlsim(out, "verilator")
    assert result.vectors == VECTORS and result.mismatches == 0 and result.passed, result.detail
    sim, est = result.interval_cycles, result.est_interval_cycles
    assert agree(sim, est), ("interval", sim, est)
    sim, est = result.latency_cycles, result.est_latency_cycles
    assert agree(sim, est), ("latency", sim, est)


@pytest.mark.rtlsim
def test_transpose_conv_icarus(tmp_path):
    """The same frame buffer in Icarus (Verilog-2005): bit-exact, same cycles as Verilator."""
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog is not installed")
    result = run_rtlsim(make(tmp_path, "conv", "int8"), "icarus", vectors=8)
    assert result.vectors == 8 and result.mismatches == 0 and result.passed, result.detail
    assert agree(result.latency_cycles, result.est_latency_cycles)
    assert agree(result.interval_cycles, result.est_interval_cycles)
