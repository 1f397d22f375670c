"""A depthwise-separable CNN (conv 3×3 → depthwise 3×3 + ReLU → pointwise 1×1 → global
average pool → linear) through the RTL backend: the depthwise layer becomes ff_swu (depthwise
window order) + ff_vvau; bit-exact in Verilator at int8 and fixed:8,3, and latency and
interval within 2 % or 10 cycles of the schedule's estimate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim
from tests.sim.test_rtlsim_branches import lint

pytestmark = pytest.mark.rtlsim
VECTORS = 32


def separable_cnn(tmp_path: Path):
    """The model exported to ONNX by PyTorch and loaded."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)

    class Separable(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
            self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
            self.pw = torch.nn.Conv2d(8, 16, 1)
            self.fc = torch.nn.Linear(16, 10)

        def forward(self, x):
            x = torch.relu(self.conv(x))
            x = torch.relu(self.dw(x))
            x = torch.relu(self.pw(x))
            x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
            return self.fc(x)

    path = tmp_path / "separable.onnx"
    torch.onnx.export(
        Separable().eval(),
        torch.randn(1, 3, 8, 8),
        str(path),
        input_names=["x"],
        output_names=["y"],
        dynamo=False,
    )
    return fpgaforge.load(path)


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


@pytest.mark.parametrize("spec", ["int8", "fixed:8,3"])
def test_depthwise_separable_verilator(tmp_path: Path, spec: str) -> None:
    graph = separable_cnn(tmp_path)
    x = np.random.default_rng(0).uniform(-1, 1, (64, 3, 8, 8)).astype(np.float32)
    out = tmp_path / "p"
    build(graph, "ulx3s-85f", spec, out, backend="rtl", calibration={"x": x}, vectors=VECTORS)
    schedule = (out / "schedule.json").read_text()
    assert '"kind": "depthwise"' in schedule
    lint(out / "rtl")
    top = next((out / "rtl").glob("*_top.v")).read_text()
    assert top.count("ff_vvau #(") == 1 and top.count(".DW_PE(") == 1
    result = run_rtlsim(out, "verilator")
    assert result.vectors == VECTORS and result.mismatches == 0 and result.passed, result.detail
    print(
        f"depthwise CNN {spec}: latency {result.latency_cycles}/{result.est_latency_cycles}"
        f" interval {result.interval_cycles}/{result.est_interval_cycles}"
    )
    assert agree(result.latency_cycles, result.est_latency_cycles), result
    assert agree(result.interval_cycles, result.est_interval_cycles), result
