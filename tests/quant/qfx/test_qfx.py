"""QFX: trainable fixed point; the exported graph equals the trained model bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from sklearn.datasets import load_digits

import fpgaforge
from fpgaforge.errors import QuantizationError
from fpgaforge.ir import WeightFormat
from fpgaforge.quant import Fixed, load_qonnx, qfx, save_qonnx
from fpgaforge.quant.qfx.khot import csd_digits, project
from fpgaforge.quant.qfx.quantizer import FixedQuantizer
from fpgaforge.quant.qonnx import METADATA_KEY

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models"


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    data = load_digits()
    x = (data.images[:600] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return x, data.target[:600].astype(np.int64)


def _train(model: qfx.QfxModel, x: np.ndarray, y: np.ndarray, steps: int = 8) -> None:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    inputs, labels = torch.from_numpy(x).double(), torch.from_numpy(y)
    model.train()
    for step in range(steps):
        batch = slice((step * 64) % 512, (step * 64) % 512 + 64)
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(inputs[batch]), labels[batch])
        loss.backward()
        optimizer.step()
    model.eval()


@pytest.mark.parametrize(
    ("model_name", "config"),
    [
        ("digits_cnn", qfx.QfxConfig(width=6)),
        ("digits_rescnn", qfx.QfxConfig(width=8, k_hot=2)),
        ("digits_rescnn", qfx.QfxConfig(width=5, fold_batchnorm=False)),
        ("digits_mlp", qfx.QfxConfig(width=4, rounding="TRN", overflow="WRAP")),
    ],
)
def test_export_equals_trained_model_bit_for_bit(model_name, config, digits) -> None:
    x, y = digits
    if model_name == "digits_mlp":
        x = x.reshape(-1, 64)
    model = qfx.prepare(EXAMPLES / f"{model_name}.onnx", config, calibration={"x": x[:128]})
    _train(model, x, y)
    with torch.no_grad():
        expected = model(torch.from_numpy(x).double()).numpy()
    qgraph = qfx.export(model)
    got = fpgaforge.execute(qgraph, {"x": x})["logits"]
    assert len(x) >= 500
    assert np.array_equal(got, expected), f"{np.count_nonzero(got != expected)} outputs differ"
    codes = fpgaforge.execute(qgraph, {"x": x}, as_codes=True)["logits"]
    out_t = qgraph.outputs[0].dtype
    assert isinstance(out_t, Fixed) and out_t.width == config.width
    np.testing.assert_array_equal(codes * 2.0**-out_t.frac_bits, expected)


def test_every_tensor_of_the_export_is_fixed_point_with_the_configured_width(digits) -> None:
    x, _ = digits
    model = qfx.prepare(
        EXAMPLES / "digits_rescnn.onnx",
        qfx.QfxConfig(width=6, fold_batchnorm=False),
        calibration={"x": x[:64]},
    )
    qgraph = qfx.export(model)
    assert "Affine" in qgraph.op_counts()  # BatchNorm kept, in fixed point
    for name in qgraph.metadata["value_map"].values():  # every tensor the float model had
        assert qgraph.find_value(name).dtype.width == 6, name
    for node in qgraph.nodes:
        for value in node.inputs[1:]:
            if value is not None and value.is_constant and node.op in ("Conv", "Dense", "Affine"):
                assert isinstance(value.dtype, Fixed)


def test_k_hot_weights_have_at_most_k_signed_digits_and_are_marked_shift_add(
    digits, tmp_path: Path
) -> None:
    x, y = digits
    model = qfx.prepare(
        EXAMPLES / "digits_cnn.onnx", qfx.QfxConfig(width=8, k_hot=2), calibration={"x": x[:64]}
    )
    _train(model, x, y, steps=4)
    qgraph = qfx.export(model)
    layers = [n for n in qgraph.nodes if n.op in ("Conv", "Dense")]
    assert layers
    for node in layers:
        assert node.quant.weights == WeightFormat.k_hot(2)
        assert max(csd_digits(int(c)) for c in node.inputs[1].const.reshape(-1)) <= 2
    # the weight format rides along in the QONNX metadata, in the form files always had
    path = save_qonnx(qgraph, tmp_path / "khot.onnx")
    stored = {p.key: p.value for p in onnx.load(str(path)).metadata_props}[METADATA_KEY]
    assert json.loads(stored)["annotations"] == {
        node.name: {"shift_add": True, "k_hot": 2} for node in layers
    }
    again = load_qonnx(path)
    assert {n.name: n.quant for n in again.nodes} == {n.name: n.quant for n in qgraph.nodes}
    np.testing.assert_array_equal(
        fpgaforge.execute(again, {"x": x[:32]}, as_codes=True)["logits"],
        fpgaforge.execute(qgraph, {"x": x[:32]}, as_codes=True)["logits"],
    )


def test_csd_projection() -> None:
    assert [csd_digits(v) for v in (0, 1, 3, 7, 11, 127, -7)] == [0, 1, 2, 2, 3, 2, 2]
    np.testing.assert_array_equal(
        project(np.array([11, 13, -13, 100, 127]), 8, 2), [10, 12, -12, 96, 127]
    )


def test_binary_point_gets_a_gradient() -> None:
    quantizer = FixedQuantizer(6, 1.0)
    x = torch.linspace(-3, 3, 101, dtype=torch.float64, requires_grad=True)
    loss = (
        (quantizer(x) - x.detach()).pow(2).sum()
    )  # clipping error dominates: more integer bits help
    loss.backward()
    assert quantizer.int_bits.grad is not None and quantizer.int_bits.grad.item() < 0
    assert x.grad is not None and x.grad[50].item() != 0  # straight through inside the range


def test_learned_int_bits_move_the_binary_point(digits) -> None:
    x, y = digits
    model = qfx.prepare(
        EXAMPLES / "digits_mlp.onnx",
        qfx.QfxConfig(width=6),
        calibration={"x": x.reshape(-1, 64)[:64]},
    )
    before = {k: float(q.int_bits) for k, q in model.quantizers.items()}
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    inputs, labels = torch.from_numpy(x.reshape(-1, 64)).double(), torch.from_numpy(y)
    for _ in range(3):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(inputs), labels).backward()
        optimizer.step()
    after = {k: float(q.int_bits) for k, q in model.quantizers.items()}
    assert any(abs(after[k] - before[k]) > 1e-6 for k in before)


def test_unsupported_layer_is_named() -> None:
    graph = fpgaforge.Graph("g")
    x = graph.add_input("x", (1, 4))
    graph.outputs = [graph.add_node("Softmax", [x], name="probs", attrs={"axis": 1}).outputs[0]]
    with pytest.raises(QuantizationError, match="^QFX cannot train node 'probs' \\(Softmax\\)"):
        qfx.prepare(graph)


def test_config_validation() -> None:
    with pytest.raises(QuantizationError, match="QFX width must be between 1 and 24 bits, got 0."):
        qfx.QfxConfig(width=0)
    with pytest.raises(QuantizationError, match="QFX k_hot must be at least 1, got 0."):
        qfx.QfxConfig(k_hot=0)
