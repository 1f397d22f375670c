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


@pytest.mark.parametrize("opset", [13, 17])
def test_tanh_gelu_fuses(opset: int) -> None:
    """torch exports GELU(approximate='tanh') decomposed below opset 20; it fuses back."""
    graph = _check(torch.nn.GELU(approximate="tanh"), torch.randn(2, 16) * 3, opset=opset)
    assert [(n.op, n.attrs.get("func"), n.attrs.get("approximate")) for n in graph.nodes] == [
        ("Activation", "gelu", "tanh")
    ]


def test_tanh_gelu_with_other_constant_stays_decomposed() -> None:
    """A cubic coefficient other than 0.044715 is not GELU."""

    class NotGelu(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            inner = 0.7978845608 * (x + 0.05 * x * x * x)
            return 0.5 * x * (1.0 + torch.tanh(inner))

    graph = _check(NotGelu(), torch.randn(2, 16), opset=13)
    assert "gelu" not in {n.attrs.get("func") for n in graph.nodes}


@pytest.mark.parametrize("opset", [9, 13])
def test_local_response_norm_fuses_to_lrn(opset: int) -> None:
    """torch's decomposed local_response_norm (odd size) becomes one LRN node."""
    module = torch.nn.LocalResponseNorm(5, alpha=1e-3, beta=0.75, k=2.0)
    graph = _check(module, torch.randn(2, 8, 5, 5) * 4, opset=opset)
    assert [n.op for n in graph.nodes] == ["LRN"]
    attrs = graph.nodes[0].attrs
    assert attrs["size"] == 5 and attrs["bias"] == 2.0
    assert attrs["alpha"] == pytest.approx(1e-3) and attrs["beta"] == pytest.approx(0.75)


def test_local_response_norm_even_size_stays_decomposed() -> None:
    """An even size pads the channel window unlike ONNX LRN, so it is left alone."""
    graph = _check(torch.nn.LocalResponseNorm(4), torch.randn(2, 8, 5, 5) * 4, opset=13)
    assert "LRN" not in {n.op for n in graph.nodes}
    assert ("fuse-lrn", graph.nodes[-1].name) in {
        (rule, node) for rule, node, _ in graph.metadata.get("rewrite_skips", [])
    }


def test_zero_pad_folds_into_conv_and_avg_pool_but_not_max_pool() -> None:
    class Padded(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=(0, 1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(torch.nn.functional.pad(x, (0, 0, 2, 1)))
            y = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(y, (1, 1, 1, 1)), 3)
            return torch.nn.functional.max_pool2d(torch.nn.functional.pad(y, (1, 0, 1, 0)), 2)

    torch.manual_seed(0)
    graph = _check(Padded().eval(), torch.randn(2, 3, 9, 9), opset=13)
    assert [n.op for n in graph.nodes] == ["Conv", "Pool", "Pad", "Pool"]
    conv, avg = graph.nodes[0], graph.nodes[1]
    assert conv.attrs["pads"] == (2, 1, 1, 1)
    assert avg.attrs["pads"] == (1, 1, 1, 1) and avg.attrs["count_include_pad"]
