"""The reference Mamba-2: scan form == step form == the IR decode-step graph."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from fpgaforge.ir import execute
from fpgaforge.models import CONFIGS, config, step_graph
from fpgaforge.models.mamba2 import Mamba2LM
from fpgaforge.models.mamba2_graph import weight_shapes


def _model(name: str = "mamba2-tiny", seed: int = 0) -> Mamba2LM:
    torch.manual_seed(seed)
    model = Mamba2LM(config(name)).eval()
    with torch.no_grad():  # make the state matter: slower decay, non-trivial skips
        for layer in model.backbone.layers:
            layer.mixer.A_log.uniform_(-1, 1)
            layer.mixer.D.normal_()
            layer.mixer.conv1d.weight.mul_(2)
    return model


def test_scan_equals_steps_and_continues_from_a_state() -> None:
    model = _model()
    tokens = torch.randint(0, model.cfg.vocab, (2, 12))
    with torch.no_grad():
        logits, final = model(tokens, return_state=True)
        state = model.init_state(2)
        for t in range(12):
            step_logits, state = model.step(tokens[:, t], state)
            torch.testing.assert_close(step_logits, logits[:, t], rtol=1e-4, atol=1e-4)
        for (c1, s1), (c2, s2) in zip(final, state, strict=True):
            torch.testing.assert_close(c1, c2, rtol=1e-4, atol=1e-5)
            torch.testing.assert_close(s1, s2, rtol=1e-4, atol=1e-5)
        first, mid = model(tokens[:, :5], return_state=True)
        rest = model(tokens[:, 5:], state=mid)
        torch.testing.assert_close(rest, logits[:, 5:], rtol=1e-4, atol=1e-4)


def test_step_graph_executes_like_the_torch_step() -> None:
    model = _model()
    cfg = model.cfg
    graph = step_graph(cfg, model.numpy_weights())
    assert sum(v.size for v in graph.constants()) > 0
    state = model.init_state(1)
    feeds = {f"conv_state_{i}": s[0].numpy() for i, s in enumerate(state)}
    feeds |= {f"ssm_state_{i}": s[1].numpy() for i, s in enumerate(state)}
    with torch.no_grad():
        for token in [3, 17, 5, 60, 2, 2, 41, 9]:
            logits, state = model.step(torch.tensor([token]), state)
            out = execute(graph, {"token": np.array([token]), **feeds})
            np.testing.assert_allclose(out["logits"], logits.numpy(), rtol=1e-4, atol=1e-4)
            for i in range(cfg.n_layer):
                feeds[f"conv_state_{i}"] = out[f"conv_state_{i}_out"]
                feeds[f"ssm_state_{i}"] = out[f"ssm_state_{i}_out"]
                np.testing.assert_allclose(feeds[f"ssm_state_{i}"], state[i][1].numpy(), atol=1e-5)


@pytest.mark.parametrize("name", ["mamba2-130m", "mamba2-370m", "mamba2-780m", "mamba2-1.3b"])
def test_checkpoint_sizes(name: str) -> None:
    cfg = config(name)
    expected = {"mamba2-130m": 0.13e9, "mamba2-370m": 0.37e9, "mamba2-780m": 0.78e9,
                "mamba2-1.3b": 1.34e9}[name]  # fmt: skip
    assert abs(cfg.parameter_count() / expected - 1) < 0.05
    assert sum(int(np.prod(s)) for s in weight_shapes(cfg).values()) == cfg.parameter_count()


def test_inspect_27b_is_shape_only_fast_and_counts_right() -> None:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fpgaforge.cli", "inspect", "mamba2-2.7b", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert time.perf_counter() - start < 10

    totals = json.loads(proc.stdout)["totals"]
    assert totals["params"] == CONFIGS["mamba2-2.7b"].parameter_count()
    assert 2.6e9 < totals["params"] < 2.8e9
    # per token: one MAC per weight of the linear layers, plus the conv, SSM and norms
    cfg = CONFIGS["mamba2-2.7b"]
    linear = cfg.n_layer * cfg.d_model * (cfg.d_in_proj + cfg.d_inner) + cfg.vocab * cfg.d_model
    assert linear < totals["macs"] < 1.1 * linear
