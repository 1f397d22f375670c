"""A table activation that is a stage of its own (a sigmoid behind a residual join, where
no MAC unit's epilogue can take it) is one `ff_lutact` in the RTL top: simulated on
Verilator bit-exact, the interval equal to the schedule's, the latency within the stream
glue's allowance."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper

from tests.sim.test_rtlsim_models import agree, build_and_simulate
from tests.toy_models import save_graph

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
    return save_graph(path, "residual_sigmoid", nodes, {"x": [1, 8]}, {"y": [1, 3]}, inits)


def test_stand_alone_table_activation_verilator(tmp_path):
    data = np.random.default_rng(0).uniform(-2, 2, size=(64, 8)).astype(np.float32)
    model = _residual_sigmoid(tmp_path / "rs.onnx")
    modules, result = build_and_simulate(model, "zcu104", tmp_path / "rs", data, 40)
    assert modules.count("ff_lutact") == 1
    assert result.vectors == 40
    assert result.mismatches == 0 and result.passed, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    assert agree(result.latency_cycles, result.est_latency_cycles)
