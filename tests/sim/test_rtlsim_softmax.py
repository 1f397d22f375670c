"""A CNN that ends in a Softmax through the RTL backend: the digits CNN with a table softmax
(`ff_softmax`, behind a width converter) and its output Requant after the logits, on zcu104
where the softmax is the slowest stage (its period 2·10 + 45 + 1 = 66 cycles sets the
interval), simulated on 100 vectors with Verilator: bit-exact, the interval equal to the
schedule's and the latency within max(2 %, 2 cycles) of it (the same stream-glue allowance
as test_rtlsim_models)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.sim.test_rtlsim_models import MODELS, agree, build_and_simulate
from tests.toy_models import cnn_softmax_onnx

pytestmark = pytest.mark.rtlsim


def test_cnn_softmax_verilator(tmp_path):
    data = np.load(MODELS / "digits_cnn_test.npz")["x"]
    model = cnn_softmax_onnx(tmp_path / "cnn_softmax.onnx")
    modules, result = build_and_simulate(model, "zcu104", tmp_path / "cnn_softmax", data, 100)
    assert modules.count("ff_softmax") == 1
    assert result.vectors == 100
    assert result.mismatches == 0 and result.passed, result.detail
    assert result.interval_cycles == result.est_interval_cycles == 66
    assert agree(result.latency_cycles, result.est_latency_cycles)
