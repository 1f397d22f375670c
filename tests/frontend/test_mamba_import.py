"""Importing Mamba-2 decode steps: two formulations map to SSMStep and RMSNorm, and
`execute` follows onnxruntime over 32 tokens with the state carried."""

from __future__ import annotations

import io

import numpy as np
import onnxruntime as ort
import pytest
import torch

import fpgaforge
from fpgaforge.models import config
from tests.frontend.mamba_steps import MinimalStep, OursStep

CFG = config("mamba2-micro")
NAMES = (["u", "conv_state", "ssm_state"], ["y", "conv_out", "ssm_out"])


def _example(batch: int = 1):
    return (
        torch.randn(batch, CFG.d_model),
        torch.zeros(batch, CFG.conv_dim, CFG.d_conv - 1),
        torch.zeros(batch, CFG.nheads, CFG.headdim, CFG.d_state),
    )


def _onnx(module: torch.nn.Module) -> bytes:
    buffer = io.BytesIO()
    torch.onnx.export(
        module.eval(), _example(), buffer, dynamo=False, opset_version=17,
        input_names=NAMES[0], output_names=NAMES[1],
    )  # fmt: skip
    return buffer.getvalue()


def _randomize(module: torch.nn.Module) -> None:
    if isinstance(module, OursStep):
        with torch.no_grad():
            module.mixer.A_log.uniform_(-1, 1)
            module.mixer.D.normal_()
            module.mixer.dt_bias.normal_()
            module.mixer.conv1d.weight.mul_(2)


@pytest.mark.parametrize("formulation", [OursStep, MinimalStep])
def test_decode_step_imports_to_ssm_ops_and_follows_onnxruntime(formulation) -> None:
    torch.manual_seed(0)
    module = formulation(CFG)
    _randomize(module)
    data = _onnx(module)
    graph = fpgaforge.load(data)
    ops = graph.op_counts()
    assert ops.get("SSMStep") == 1 and ops.get("RMSNorm") == 2, ops
    assert ops.get("CausalConv1d") == 1 and ops.get("Activation") == 1, ops
    gated = [n for n in graph.nodes if n.op == "RMSNorm" and n.inputs[2] is not None]
    assert len(gated) == 1
    for absent in ("Einsum", "Where", "Compare", "Pow"):
        assert absent not in ops, ops
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    _, conv, ssm = (t.numpy() for t in _example())
    ours = {"conv_state": conv, "ssm_state": ssm}
    theirs = dict(ours)
    for _ in range(32):
        u = rng.standard_normal((1, CFG.d_model)).astype(np.float32)
        expected = session.run(NAMES[1], {"u": u, **theirs})
        got = fpgaforge.execute(graph, {"u": u, **ours})
        for name, want in zip(NAMES[1], expected, strict=True):
            np.testing.assert_allclose(got[name], want, rtol=1e-4, atol=1e-5)
        theirs = {"conv_state": expected[1], "ssm_state": expected[2]}
        ours = {"conv_state": got["conv_out"], "ssm_state": got["ssm_out"]}
    assert np.abs(ours["ssm_state"]).max() > 0.1  # the state carried something


def test_from_torch_maps_the_step_too() -> None:
    torch.manual_seed(0)
    graph = fpgaforge.from_torch(
        MinimalStep(CFG), _example(), input_names=NAMES[0], output_names=NAMES[1]
    )
    ops = graph.op_counts()
    assert (ops.get("SSMStep"), ops.get("CausalConv1d"), ops.get("RMSNorm")) == (1, 1, 2), ops
