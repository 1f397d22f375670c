"""N:M convolutions (fpgaforge/units/conv/ with the sparse_gemm kit's MAC array): a small CNN
whose convolution is 2:4 (groups of 4 input channels at each kernel position) through
build (HLS and RTL), csim and rtlsim bit-exact, the cost model of the N:M convolution, and a
convolution whose groups do not fit the window stream kept dense."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.flow import build
from fpgaforge.frontend import load
from fpgaforge.hls import run_csim
from fpgaforge.ir.quant_info import WeightFormat
from fpgaforge.numerics import nm
from fpgaforge.quant.sparsity import mark_sparse
from fpgaforge.sim.rtlsim import run_rtlsim
from fpgaforge.units.conv.cost import ConvSWU
from fpgaforge.units.conv.match import sparse_pattern

torch = pytest.importorskip("torch")


def small_cnn(tmp_path, pattern: str = "2:4", stride: int = 1):
    """Conv 8 -> 8 (3x3) -> ReLU -> global pool -> Linear 8 -> 4, the convolution pruned N:M
    along its input channels, as a float graph."""
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(8, 8, 3, stride=stride, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4),
    ).eval()  # fmt: skip
    p = nm.NMPattern.parse(pattern)
    with torch.no_grad():
        conv = model[0]
        conv.weight.copy_(torch.from_numpy(nm.prune(conv.weight.numpy(), p, axis=1)))
    path = tmp_path / "cnn.onnx"
    torch.onnx.export(model, torch.zeros(1, 8, 5, 5), path, input_names=["x"], dynamo=False)
    graph = load(path)
    assert len(mark_sparse(graph, p)) == 1  # the convolution (the classifier is dense)
    return graph


@pytest.mark.rtlsim
@pytest.mark.csim
def test_nm_cnn_build_csim_rtlsim(tmp_path):
    graph = small_cnn(tmp_path)
    data = np.random.default_rng(0).normal(size=(16, 8, 5, 5)).astype(np.float32)
    out = tmp_path / "cnn"
    result = build(
        graph, "ultra96v2", "int8", out, backend="both", calibration={"x": data}, vectors=4
    )
    convs = [s for s in result.schedule.stages if s.kind == "conv"]
    assert len(convs) == 1
    top = next((out / "rtl").glob("*_top.v")).read_text()
    assert top.count("ff_sparse_mvau #") == 1 and "ff_mvau #" not in top.split("Gemm")[0]
    firmware = "".join(p.read_text() for p in (out / "hls" / "firmware").glob("*.cpp"))
    assert firmware.count("ff::sparse_conv2d<") == 1
    csim = run_csim(out)
    assert csim.mismatches == 0 and csim.vectors == 4
    rtl = run_rtlsim(out)
    assert rtl.passed and rtl.mismatches == 0 and rtl.vectors == 4, rtl.detail
    assert rtl.interval_cycles == rtl.est_interval_cycles


@pytest.mark.csim
def test_nm_conv_stride_2_csim(tmp_path):
    """A 2:8 convolution with stride 2 (one group of 8 channels per kernel position) in HLS."""
    graph = small_cnn(tmp_path, "2:8", stride=2)
    data = np.random.default_rng(1).normal(size=(16, 8, 5, 5)).astype(np.float32)
    out = tmp_path / "cnn"
    build(graph, "ultra96v2", "int8", out, backend="hls", calibration={"x": data}, vectors=4)
    firmware = "".join(p.read_text() for p in (out / "hls" / "firmware").glob("*.cpp"))
    assert firmware.count("ff::sparse_conv2d<") == 1
    csim = run_csim(out)
    assert csim.mismatches == 0 and csim.vectors == 4


def _conv(**kw) -> ConvSWU:
    geometry = dict(cin=8, cout=16, in_h=4, in_w=4, kh=3, kw=3, out_h=4, out_w=4, groups=1)
    widths = dict(batch=1, weight_bits=8, act_bits=8, acc_bits=24, out_bits=8)
    return ConvSWU(**geometry, **widths, **kw)


def test_nm_conv_cost_model():
    dense, sparse = _conv(), _conv(n=2, m=8)
    options = sparse.options()
    assert options and all(o["simd"] % 8 == 0 for o in options)
    assert len(options) > 3
    fold = dict(pe=4, simd=24)
    d, s = dense.with_folding(**fold), sparse.with_folding(**fold)
    assert s.mvau().kind == "sparse_gemm" and d.mvau().kind == "mvau"
    assert s.timing() == d.timing()  # the same fold loop at the same PE and SIMD
    assert s.mvau().nz == 6 and s.mvau().macs * 4 == d.mvau().macs


class _Node:
    def __init__(self, fmt, group=1):
        self.quant = type("Q", (), {"weights": fmt})()
        self.attrs = {"group": group}


def test_sparse_pattern_needs_whole_groups():
    fmt = WeightFormat.sparse(2, 8)
    assert sparse_pattern(_Node(fmt), 16) == (2, 8)
    assert sparse_pattern(_Node(fmt), 12) == (0, 0)  # groups would straddle kernel positions
    assert sparse_pattern(_Node(fmt, group=2), 16) == (0, 0)
    assert sparse_pattern(_Node(WeightFormat()), 16) == (0, 0)
