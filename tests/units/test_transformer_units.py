"""The transformer units: cost models of the integer LayerNorm and the activation MatMul
(cycles by hand from the RTL's structure), and a LayerNorm network through build, csim and
rtlsim (module benches: tests/rtl/modules/test_layernorm.py, test_act_matmul.py)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from fpgaforge.sim.rtlsim import run_rtlsim
from fpgaforge.units.act_matmul import ActMatMul
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.layernorm import LayerNormUnit
from fpgaforge.units.layernorm.cost import PIPELINE_CYCLES, RSQRT_CYCLES

CTX = CostContext.of(view("zcu104"), 200)


def test_layernorm_cycles_rows_overlap() -> None:
    unit = LayerNormUnit(rows=16, row_len=64, bits=8, out_bits=34, pe=4)
    est = unit.estimate(CTX)
    assert est.ii == 16 * (64 // 4 + RSQRT_CYCLES) == 16 * 18  # loads overlap processing
    assert est.cycles == 64 // 4 + est.ii + PIPELINE_CYCLES
    assert est.fill == 64 // 4 + 3 and est.drain == est.fill + 2
    assert est.macs == 3 * 16 * 64
    wider = LayerNormUnit(rows=16, row_len=64, bits=8, out_bits=34, pe=16).estimate(CTX)
    assert wider.ii < est.ii and wider.dsp + wider.lut > est.dsp + est.lut
    assert unit.options() == [{"pe": 1}]  # the kernels take one element per cycle


def test_act_matmul_cycles_load_then_compute() -> None:
    unit = ActMatMul(
        mats=4, m=16, k=16, n=16, a_elements=1024, b_elements=1024, a_bits=8, b_bits=8,
        acc_bits=20, simd=4,
    )  # fmt: skip
    est = unit.estimate(CTX)
    assert unit.load_cycles() == 1024 // 4  # a and b load at once
    assert unit.compute_cycles() == 4 * 16 * 16 * (16 // 4)
    assert est.ii == 4096 and est.cycles == 256 + 4096 + 1  # loads overlap the products
    assert est.macs == 4 * 16 * 16 * 16
    assert est.fill == 256 + 16 // 4 and est.drain == 4096 + 1
    assert unit.options() == [{"simd": 1}]  # the kernels do one product per cycle


@pytest.mark.csim
@pytest.mark.rtlsim
def test_layernorm_network_builds_and_verifies(tmp_path) -> None:
    """MatMul → LayerNorm through build, csim and rtlsim: bit-exact, the RTL interval equal
    to the estimate and the latency within 2 %."""
    rng = np.random.default_rng(0)
    n = 16
    inits = [
        numpy_helper.from_array((rng.standard_normal((n, n)) / 4).astype(np.float32), "w"),
        numpy_helper.from_array((1 + 0.2 * rng.standard_normal(n)).astype(np.float32), "g"),
        numpy_helper.from_array((0.1 * rng.standard_normal(n)).astype(np.float32), "b"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("LayerNormalization", ["h", "g", "b"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "lnnet",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    out = tmp_path / "prj"
    build(fpgaforge.load(model), "zcu104", "int8", out, backend="both", vectors=8)
    assert "ff_layernorm #(" in (out / "rtl" / "lnnet_top.v").read_text()
    assert run_csim(out / "hls").mismatches == 0
    result = run_rtlsim(out, "verilator")
    assert result.passed and result.mismatches == 0, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    est = result.est_latency_cycles
    assert abs(result.latency_cycles - est) <= max(0.02 * est, 2)


@pytest.mark.csim
@pytest.mark.rtlsim
def test_activation_matmul_network_builds_and_verifies(tmp_path) -> None:
    """y = x' · x'^T per channel (x' a 1×1 convolution of x, the transpose a reorder): the
    activation MatMul on two streams of one source, bit-exact through csim and rtlsim, the
    RTL interval equal to the estimate and the latency within 2 %."""
    rng = np.random.default_rng(0)
    c, h = 2, 4
    weight = rng.standard_normal((c, c, 1, 1)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["y1"]),
        helper.make_node("Transpose", ["y1"], ["t"], perm=(0, 1, 3, 2)),
        helper.make_node("MatMul", ["y1", "t"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "gram",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, h, h])],
        [numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    out = tmp_path / "prj"
    build(fpgaforge.load(model), "zcu104", "int8", out, backend="both", vectors=8)
    assert "ff_act_matmul #(" in (out / "rtl" / "gram_top.v").read_text()
    assert run_csim(out / "hls").mismatches == 0
    result = run_rtlsim(out, "verilator")
    assert result.passed and result.mismatches == 0, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    est = result.est_latency_cycles
    assert abs(result.latency_cycles - est) <= max(0.02 * est, 2)
