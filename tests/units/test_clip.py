"""The clip unit (fpgaforge/units/clip/): cost model, `ff_clip` module bench (bit-exact,
cycles equal to the model), and a ReLU6 network through build, csim and rtlsim."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from fpgaforge.dataflow import schedule
from fpgaforge.flow import build
from fpgaforge.frontend import from_torch
from fpgaforge.hls import run_csim
from fpgaforge.quant import quantize
from fpgaforge.sim.rtlsim import run_rtlsim
from fpgaforge.units import kit_of
from fpgaforge.units.clip.cost import Clip
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from tests.rtl.modules.harness import pack, run_stream, unpack


class Relu6Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.a = torch.nn.Linear(16, 32)
        self.act = torch.nn.ReLU6()
        self.b = torch.nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the ReLU fuses into the first layer's epilogue, so the ReLU6 stands alone
        return self.b(self.act(torch.relu(self.a(x))))


@pytest.fixture(scope="module")
def relu6():
    data = np.random.default_rng(0).standard_normal((64, 16)).astype(np.float32)
    graph = from_torch(Relu6Net().eval(), torch.from_numpy(data[:1]))
    return graph, data


def test_cost_model_by_hand():
    ctx = CostContext.of(view("ultra96v2"))
    est = Clip(elements=96, channels=32, bits=8, pe=4).estimate(ctx)
    assert est.ii == 24 and est.cycles == 25 and est.fill == est.drain == 1
    assert est.ff == 4 * 8 + 1 and est.dsp == 0 and est.lut > 0


def test_clip_stage_is_the_clip_unit(relu6):
    graph, data = relu6
    q = quantize(graph, "int8", {"x": data})
    sched = schedule(q, "ultra96v2", mode="streaming")
    clips = [s for s in sched.stages if s.kind == "clip"]
    assert len(clips) == 1 and kit_of("clip").name == "clip"


@pytest.mark.rtlsim
@pytest.mark.parametrize("signed", [True, False])
def test_ff_clip_module(tmp_path, signed):
    lanes, n, w = 4, 64, 8
    lo, hi = (-20, 90) if signed else (10, 200)
    rng = random.Random(1)
    xs = [rng.randint(-128, 127) if signed else rng.randint(0, 255) for _ in range(n)]
    params = {"W": w, "SIGNED": int(signed), "LANES": lanes, "LO": lo, "HI": hi}
    beats = [pack(xs[i : i + lanes], w) for i in range(0, n, lanes)]
    run = run_stream("ff_clip", params, beats, n // lanes, tmp_path / "b", stall=0.3, seed=2)
    got = [v for word in run["out_data"] for v in unpack(word, lanes, w, signed)]
    assert got == [min(max(x, lo), hi) for x in xs]
    fast = run_stream("ff_clip", params, beats, n // lanes, tmp_path / "c")
    est = Clip(elements=n, channels=lanes, bits=w, signed=signed, pe=lanes).estimate(
        CostContext.of(view("ultra96v2"))
    )
    assert fast["out_at"][0] - fast["in_at"][0] == est.fill
    assert fast["out_at"][-1] - fast["in_at"][0] + 1 == est.cycles


@pytest.mark.rtlsim
@pytest.mark.csim
def test_relu6_network_builds_and_verifies(tmp_path, relu6):
    graph, data = relu6
    out = tmp_path / "prj"
    build(graph, "ultra96v2", "int8", out, calibration={"x": data}, backend="both", vectors=20)
    top = (out / "rtl" / f"{graph.name}_top.v").read_text()
    assert "ff_clip #(" in top
    csim = run_csim(out / "hls")
    assert csim.mismatches == 0
    result = run_rtlsim(out, "verilator")
    assert result.passed and result.mismatches == 0, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    est = result.est_latency_cycles
    assert abs(result.latency_cycles - est) <= max(0.02 * est, 2)
