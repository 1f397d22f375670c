"""Canonicalization rules: BatchNorm and bias folding, activation and LayerNorm fusion."""

from __future__ import annotations

import io

import numpy as np
import onnxruntime as ort
import pytest
import torch

import fpgaforge


def _export(module: torch.nn.Module, x: torch.Tensor, opset: int) -> bytes:
    module.eval()
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            module,
            (x,),
            buffer,
            dynamo=False,
            opset_version=opset,
            input_names=["x"],
            output_names=["y"],
        )
    return buffer.getvalue()


def _check(module: torch.nn.Module, x: torch.Tensor, opset: int = 13) -> fpgaforge.Graph:
    torch.manual_seed(0)
    data = _export(module, x, opset)
    graph = fpgaforge.load(data)
    feeds = {"x": x.numpy()}
    expected = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    got = fpgaforge.execute(graph, feeds)["y"]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    return graph


def _bn(channels: int) -> torch.nn.BatchNorm2d:
    bn = torch.nn.BatchNorm2d(channels)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    return bn


def test_batchnorm_folds_into_conv_even_when_exported_unfolded() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False), _bn(4), torch.nn.ReLU())
    model.eval()
    buffer = io.BytesIO()
    torch.onnx.export(
        model,
        (torch.randn(1, 3, 6, 6),),
        buffer,
        dynamo=False,
        opset_version=13,
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["x"],
        output_names=["y"],
    )
    graph = fpgaforge.load(buffer.getvalue())
    assert [n.op for n in graph.nodes] == ["Conv", "Activation"]
    assert graph.nodes[0].input(2) is not None  # the BN shift became the conv bias
    x = np.random.default_rng(1).normal(size=(3, 3, 6, 6)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(
        fpgaforge.execute(graph, {"x": x})["y"], expected, rtol=1e-4, atol=1e-5
    )


def test_batchnorm_without_layer_stays_affine() -> None:
    model = torch.nn.Sequential(torch.nn.ReLU(), _bn(3))
    model.eval()
    buffer = io.BytesIO()
    torch.onnx.export(
        model,
        (torch.randn(1, 3, 4, 4),),
        buffer,
        dynamo=False,
        opset_version=13,
        training=torch.onnx.TrainingMode.PRESERVE,
        input_names=["x"],
        output_names=["y"],
    )
    graph = fpgaforge.load(buffer.getvalue())
    assert [n.op for n in graph.nodes] == ["Activation", "Affine"]


def test_silu_and_hardswish_fuse() -> None:
    class Gates(torch.nn.Module):
        def forward(self, x):
            return x * torch.sigmoid(x) + x * torch.nn.functional.hardsigmoid(x)

    graph = _check(Gates(), torch.randn(2, 8), opset=13)
    funcs = sorted(n.attrs["func"] for n in graph.nodes if n.op == "Activation")
    assert funcs == ["hard_swish", "silu"]


def test_erf_gelu_fuses() -> None:
    graph = _check(torch.nn.GELU(), torch.randn(2, 16), opset=13)
    assert [(n.op, n.attrs.get("func")) for n in graph.nodes] == [("Activation", "gelu")]


@pytest.mark.parametrize("opset", [13, 17])
def test_layernorm_decomposed_or_native(opset: int) -> None:
    torch.manual_seed(0)
    norm = torch.nn.LayerNorm(16)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-0.5, 0.5)
    graph = _check(norm, torch.randn(2, 5, 16), opset=opset)
    assert [n.op for n in graph.nodes] == ["LayerNorm"]


def test_matmul_add_becomes_dense_with_bias() -> None:
    torch.manual_seed(0)
    graph = _check(torch.nn.Linear(8, 4), torch.randn(2, 3, 8), opset=13)
    assert [n.op for n in graph.nodes] == ["Dense"]
    assert graph.nodes[0].input(2) is not None
