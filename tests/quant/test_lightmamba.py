"""LightMamba specs, the exact float rewrites behind rotation, and the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import fpgaforge
from fpgaforge.errors import QuantizationError
from fpgaforge.models import config, step_graph
from fpgaforge.models.mamba2 import Mamba2LM
from fpgaforge.quant.lightmamba import parse_mamba_spec, prepare
from fpgaforge.quant.lightmamba.weights import PAIRS, quantize_weight


def _graph(name: str = "mamba2-tiny"):
    torch.manual_seed(0)
    model = Mamba2LM(config(name)).eval()
    return step_graph(model.cfg, model.numpy_weights())


def test_specs_knobs_and_yaml(tmp_path) -> None:
    spec = parse_mamba_spec("lightmamba:state_bits=6,rotation=off")
    assert (spec.state_bits, spec.rotation, spec.w_bits, spec.a_group) == (6, False, 4, 8)
    assert spec.text == "lightmamba:rotation=off,state_bits=6"
    assert parse_mamba_spec("w8a8").w_bits == 8 and not parse_mamba_spec("w4a4-rtn").rotation
    path = tmp_path / "q.yaml"
    path.write_text("method: lightmamba\nstate_bits: 16\n")
    assert parse_mamba_spec(str(path)).state_bits == 16
    with pytest.raises(QuantizationError, match="no knob 'stat_bits'"):
        parse_mamba_spec("lightmamba:stat_bits=6")


def test_rotation_and_folding_are_exact_in_float() -> None:
    graph = _graph()
    rotated = prepare(graph, parse_mamba_spec("lightmamba"))
    assert rotated.op_counts()["Hadamard"] == graph.op_counts()["SSMStep"]
    feeds = {v.name: np.zeros(v.shape, np.float32) for v in graph.inputs if v.name != "token"}
    rotated_feeds = dict(feeds)
    for token in (1, 7, 40, 3):
        a = fpgaforge.execute(graph, {"token": np.array([token]), **feeds})
        b = fpgaforge.execute(rotated, {"token": np.array([token]), **rotated_feeds})
        np.testing.assert_allclose(b["logits"], a["logits"], rtol=1e-4, atol=1e-5)
        feeds = {k: a[k + "_out"] for k in feeds}
        rotated_feeds = {k: b[k + "_out"] for k in feeds}


def test_two_shift_weights_use_sums_of_two_powers() -> None:
    w = np.random.default_rng(0).standard_normal((6, 256))
    q, m, exp, group = quantize_weight(w, parse_mamba_spec("lightmamba"))
    assert group == 128 and m.shape == (6, 2) and set(np.unique(m)) <= set(PAIRS.tolist())
    assert q.min() >= -8 and q.max() <= 7
    err = np.abs(w - q * np.repeat(m, 128, axis=1) * 2.0**exp).mean()
    assert err < 0.1 * np.abs(w).mean() * 2


def test_quantize_needs_a_decode_step() -> None:
    graph = fpgaforge.Graph("mlp")
    x = graph.add_input("x", (1, 4))
    graph.outputs = list(graph.add_node("Activation", [x], attrs={"func": "relu"}).outputs)
    with pytest.raises(QuantizationError, match="no state inputs"):
        fpgaforge.quantize(graph, "lightmamba")
