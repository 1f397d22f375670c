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
