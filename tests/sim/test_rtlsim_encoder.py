"""A one-layer transformer encoder (the structure of `bench/zoo_transformers.py`, smaller:
d_model 16, 2 heads, 4 tokens, feed-forward 32) through build (both backends), csim and
rtlsim: per-token Dense layers as ff_mvau, the heads' transposes as ff_reorder, Q·K^T and
A·V as ff_act_matmul, the scale as ff_affine, ff_softmax, the residual joins with skip
FIFOs sized for the attention's lag, ff_layernorm. Bit-exact; the RTL interval equal to the
schedule's."""

from __future__ import annotations

from pathlib import Path

import pytest

import fpgaforge
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from fpgaforge.ir.graph import Graph
from fpgaforge.sim.rtlsim import run_rtlsim

D, HEADS, TOKENS, D_FF = 16, 2, 4, 32


def encoder() -> Graph:
    """One post-norm encoder layer with batch-first attention, dynamo export."""
    torch = pytest.importorskip("torch")
    from torch import nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(D, D) for _ in range(4))
            self.norm1, self.norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.ff = nn.Sequential(nn.Linear(D, D_FF), nn.GELU(), nn.Linear(D_FF, D))

        def forward(self, x):
            b, t, d = x.shape
            dh = d // HEADS

            def split(proj):
                return proj(x).reshape(b, t, HEADS, dh).transpose(1, 2)

            scores = split(self.q) @ split(self.k).transpose(-1, -2) * dh**-0.5
            context = torch.softmax(scores, dim=-1) @ split(self.v)
            x = self.norm1(x + self.o(context.transpose(1, 2).reshape(b, t, d)))
            return self.norm2(x + self.ff(x))

    torch.manual_seed(0)
    example = torch.randn(1, TOKENS, D)
    return fpgaforge.from_torch(Layer().eval(), example, name="enc", exporter="dynamo")


@pytest.mark.csim
@pytest.mark.rtlsim
def test_encoder_layer_is_bit_exact(tmp_path: Path) -> None:
    out = tmp_path / "prj"
    result = build(encoder(), "zcu104", "int8", out, backend="both", vectors=4)
    top = (out / "rtl" / "enc_top.v").read_text()
    for module, count in (("ff_mvau", 6), ("ff_act_matmul", 2), ("ff_softmax", 1)):
        assert top.count(f"{module} #(") == count, module
    assert "ff_affine #(" in top and "ff_layernorm #(" in top
    fifos = [s for s in result.schedule.stages if s.kind == "fifo"]
    # the attention's residual waits several frames: its skip FIFO holds them
    assert max(int(s.glue["depth"]) for s in fifos) > TOKENS * D
    assert run_csim(out / "hls").mismatches == 0
    sim = run_rtlsim(out, "verilator")
    assert sim.passed and sim.mismatches == 0, sim.detail
    assert sim.interval_cycles == sim.est_interval_cycles
    # the schedule does not see the fork held back by its slowest reader (1516 / 1479)
    est = sim.est_latency_cycles
    assert est <= sim.latency_cycles <= 1.05 * est
