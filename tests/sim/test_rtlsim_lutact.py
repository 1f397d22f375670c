"""A table activation that is a stage of its own (a sigmoid behind a residual join, where
no MAC unit's epilogue can take it) is one `ff_lutact` in the RTL top: simulated on
Verilator bit-exact, the interval equal to the schedule's, the latency within the stream
glue's allowance."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim
from tests.sim.test_rtlsim_models import agree

pytestmark = pytest.mark.rtlsim


def _residual_sigmoid(path) -> str:
    rng = np.random.default_rng(3)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 8)).astype(np.float32) / 3, "w1"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) / 3, "b1"),
        numpy_helper.from_array(rng.standard_normal((3, 8)).astype(np.float32) / 3, "w2"),
        numpy_helper.from_array(rng.standard_normal(3).astype(np.float32) / 3, "b2"),
    ]
    nodes = [
        helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Add", ["h", "x"], ["r"], name="join"),
        helper.make_node("Sigmoid", ["r"], ["s"], name="sig"),
        helper.make_node("Gemm", ["s", "w2", "b2"], ["y"], name="fc2", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "residual_sigmoid",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
        inits,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return str(path)


def test_stand_alone_table_activation_verilator(tmp_path):
    data = np.random.default_rng(0).uniform(-2, 2, size=(64, 8)).astype(np.float32)
    out = tmp_path / "rs"
    build(
        _residual_sigmoid(tmp_path / "rs.onnx"),
        "zcu104",
        "int8",
        out,
        backend="rtl",
        calibration={"x": data},
        vectors=40,
    )
    units = json.loads((out / "rtl" / "project.json").read_text())["units"]
    assert [u["module"] for u in units].count("ff_lutact") == 1
    result = run_rtlsim(out, "verilator")
    assert result.vectors == 40
    assert result.mismatches == 0 and result.passed, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    assert agree(result.latency_cycles, result.est_latency_cycles)
