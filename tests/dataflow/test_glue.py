"""Stream glue as schedule stages: where width converters, forks and skip FIFOs go, and that
the estimates count them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fpgaforge.dataflow import replay, schedule
from fpgaforge.frontend import load
from fpgaforge.quant import quantize
from tests.toy_models import mlp_inputs, mlp_onnx

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.fixture(scope="module")
def mlp_sched(tmp_path_factory):
    path = mlp_onnx(tmp_path_factory.mktemp("mlp") / "mlp.onnx")
    q = quantize(load(path), "fixed:8", {"x": mlp_inputs()})
    return q, schedule(q, "ultra96v2", mode="streaming")


def test_width_converters_sit_where_lanes_differ(mlp_sched):
    q, sched = mlp_sched
    stages = list(sched.stages)
    for i, stage in enumerate(stages):
        if stage.kind != "dwc":
            continue
        glue = stage.glue
        assert glue is not None and stage.nodes == ()
        # it feeds the stage right after it, converting lanes between two different widths
        assert stages[i + 1].name == glue["target"]
        assert glue["in_lanes"] != glue["out_lanes"]
        consumer = stages[i + 1].folding
        assert glue["out_lanes"] in (consumer.get("simd"), consumer.get("pe"))
    assert any(s.kind == "dwc" for s in stages), [s.kind for s in stages]


def test_glue_is_counted_and_replayed(mlp_sched):
    q, sched = mlp_sched
    layers = {layer.name: layer for layer in sched.report.layers}
    dwcs = [s for s in sched.stages if s.kind == "dwc"]
    assert all(layers[s.name].estimates.lut > 0 for s in dwcs)
    total_lut = sum(layer.estimates.lut for layer in sched.report.layers)
    assert sched.report.total.lut == pytest.approx(total_lut)
    again = replay(q, sched.to_json())
    assert again.to_json() == sched.to_json()


def test_residual_net_gets_fork_and_skip_fifo():
    g = load(MODELS / "digits_rescnn.onnx")
    q = quantize(g, "int8", {"x": np.load(MODELS / "digits_rescnn_test.npz")["x"]})
    sched = schedule(q, "ultra96v2", mode="streaming")
    kinds = [s.kind for s in sched.stages]
    assert "fork" in kinds and "fifo" in kinds
    names = [s.name for s in sched.stages]
    for s in sched.stages:
        if s.kind == "fifo":
            # the skip FIFO feeds a residual Add, on the branch through fewer line buffers
            target = next(t for t in sched.stages if t.name == s.glue["target"])
            assert target.kind == "eltwise" and names.index(s.name) < names.index(target.name)
            assert s.glue["depth"] >= 2
        if s.kind == "fork":
            assert s.glue["readers"] >= 2


def token_residual():
    """x (1, 4, 8) + MLP(x): two per-token Dense layers beside the identity."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array((rng.standard_normal((8, 16)) / 3).astype(np.float32), "w1"),
        numpy_helper.from_array((rng.standard_normal((16, 8)) / 4).astype(np.float32), "w2"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("MatMul", ["r", "w2"], ["m"]),
        helper.make_node("Add", ["x", "m"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tokres",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return load(model)


def test_skip_fifo_goes_on_the_branch_without_row_buffers():
    """No line buffer on either branch: the identity (port 0) arrives first, not the Dense
    branch, whose output starts a whole token after its input."""
    sched = schedule(quantize(token_residual(), "int8", None), "zcu104", mode="streaming")
    (fifo,) = [s for s in sched.stages if s.kind == "fifo"]
    assert fifo.glue["port"] == 0
    # 8 beats a frame, one per 8-cycle interval; the Dense branch's first output lags the
    # identity's by 8.5 cycles: floor(8.5 / 8) + 1 = 2 frames, and one of slack
    assert fifo.glue["depth"] == 3 * 8
