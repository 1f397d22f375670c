"""Conformance test 1: PyTorch-built models through ONNX into fpgaforge.

For the bundled digits examples and for small networks built here from
PyTorch and exported to ONNX in memory (TorchScript exporter at opsets 13 and
17, and the dynamo exporter), `fpgaforge.load` + `fpgaforge.execute` must
match onnxruntime (and torch) within rtol 1e-4 / atol 1e-5. `fpgaforge.from_torch`
is checked against torch on a few of them.

A failing *export* is torch's problem, not fpgaforge's: such cases are
skipped with torch's own error message as the reason.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from torch import nn

import fpgaforge
from examples import torch_models as tm

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.conformance

RTOL, ATOL = 1e-4, 1e-5
MODELS_DIR = REPO / "examples" / "models"
BUNDLED = ["digits_mlp", "digits_cnn", "digits_rescnn"]


@dataclass(frozen=True)
class Case:
    """A PyTorch network and the shape of its single input."""

    name: str
    factory: Callable[[], nn.Module]
    shape: tuple[int, ...]


CASES = [
    Case("mlp", tm.TinyMLP, (4, 20)),
    Case("mixed_cnn", tm.MixedCNN, (2, 3, 16, 16)),
    Case("resnet", tm.TinyResNet, (2, 3, 16, 16)),
    Case("concat", tm.ConcatNet, (2, 3, 12, 12)),
    Case("misc_ops", tm.MiscOpsNet, (2, 3, 8, 8)),
    Case("transformer", tm.TransformerBlock, (1, 10, 32)),
    Case("transformer_gelu_prenorm", lambda: tm.TransformerBlock("gelu", True), (1, 10, 32)),
]
CASES_BY_NAME = {c.name: c for c in CASES}
EXPORTERS = ["torchscript-13", "torchscript-17", "dynamo"]


def build(case: Case) -> tuple[nn.Module, torch.Tensor]:
    """Seeded eval-mode model (with non-trivial BatchNorm statistics) and a random input."""
    torch.manual_seed(0)
    model = tm.randomize_batchnorm(case.factory(), seed=1).eval()
    x = torch.randn(*case.shape, generator=torch.Generator().manual_seed(2))
    return model, x


def export(model: nn.Module, x: torch.Tensor, exporter: str) -> onnx.ModelProto:
    """Export `model` in memory; skip the test when torch itself cannot export it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if exporter == "dynamo":
                proto = torch.onnx.export(model, (x,), dynamo=True, verbose=False).model_proto
            else:
                opset = int(exporter.split("-")[1])
                buffer = io.BytesIO()
                torch.onnx.export(
                    model,
                    (x,),
                    buffer,
                    dynamo=False,
                    opset_version=opset,
                    # eval-mode model + PRESERVE: keep BatchNormalization nodes
                    # (EVAL mode would fold them into the convs before we see them)
                    training=torch.onnx.TrainingMode.PRESERVE,
                    input_names=["x"],
                    output_names=["y"],
                    dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                )
                proto = onnx.load_from_string(buffer.getvalue())
    except Exception as exc:  # noqa: BLE001 - any export failure is torch's
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        pytest.skip(
            f"torch {torch.__version__} cannot export this model ({exporter}): "
            f"{type(exc).__name__}: {first_line}"
        )
    proto.ir_version = min(proto.ir_version, 10)  # onnxruntime 1.31 reads IR <= 10
    return proto


def run_ort(
    model: onnx.ModelProto | str | Path, feeds: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Run onnxruntime on the CPU; outputs by name."""
    source = model.SerializeToString() if isinstance(model, onnx.ModelProto) else str(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds), strict=True))


def assert_outputs_match(
    got: dict[str, np.ndarray], want: dict[str, np.ndarray], what: str
) -> None:
    """Same output names, shapes and values (rtol 1e-4, atol 1e-5)."""
    assert set(got) == set(want), (
        f"{what}: fpgaforge outputs {sorted(got)}, expected {sorted(want)}"
    )
    for name, expected in want.items():
        actual = np.asarray(got[name])
        assert actual.shape == expected.shape, (
            f"{what}: output {name!r} shape {actual.shape} != {expected.shape}"
        )
        np.testing.assert_allclose(
            actual, expected, rtol=RTOL, atol=ATOL, err_msg=f"{what}: output {name!r}"
        )


# --------------------------------------------------------------------------------------
# Bundled examples
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_example(name: str) -> None:
    """examples/models/<name>.onnx: fpgaforge vs onnxruntime vs the stored torch logits."""
    path = MODELS_DIR / f"{name}.onnx"
    data = np.load(MODELS_DIR / f"{name}_test.npz")
    x, y, logits = data["x"], data["y"], data["logits"]
    assert x.dtype == np.float32 and y.dtype == np.int64 and len(x) == len(y) == len(logits)

    graph = fpgaforge.load(path)
    got = fpgaforge.execute(graph, {"x": x})
    want = run_ort(path, {"x": x})
    assert_outputs_match(got, want, f"{name} vs onnxruntime")
    assert_outputs_match(got, {"logits": logits}, f"{name} vs stored torch logits")

    # The whole batch at once and a few single samples give the same answer.
    for i in (0, 17, len(x) - 1):
        single = fpgaforge.execute(graph, {"x": x[i : i + 1]})["logits"]
        np.testing.assert_allclose(single[0], got["logits"][i], rtol=RTOL, atol=ATOL)

    # Accuracy on the saved samples agrees with torch's.
    accuracy = float((got["logits"].argmax(1) == y).mean())
    assert accuracy == pytest.approx(float((logits.argmax(1) == y).mean()), abs=1 / len(y))


def test_bundled_accuracy_file() -> None:
    """accuracy.json lists every bundled model with a sensible float accuracy."""
    accuracy = json.loads((MODELS_DIR / "accuracy.json").read_text())
    assert set(accuracy) == set(BUNDLED)
    assert all(0.9 <= a <= 1.0 for a in accuracy.values()), accuracy


# --------------------------------------------------------------------------------------
# Models exported from PyTorch in memory
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exported_model(case: Case, exporter: str) -> None:
    """fpgaforge.load(ModelProto) + execute matches onnxruntime and torch."""
    model, x = build(case)
    with torch.no_grad():
        expected_torch = model(x).numpy()
    proto = export(model, x, exporter)
    input_name = proto.graph.input[0].name
    feeds = {input_name: x.numpy()}

    graph = fpgaforge.load(proto, input_shapes={input_name: tuple(case.shape)})
    got = fpgaforge.execute(graph, feeds)
    want = run_ort(proto, feeds)
    assert_outputs_match(got, want, f"{case.name} [{exporter}] vs onnxruntime")

    (output_name,) = want
    np.testing.assert_allclose(
        got[output_name],
        expected_torch,
        rtol=RTOL,
        atol=ATOL,
        err_msg=f"{case.name} [{exporter}] vs torch",
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_unbound_batch(case: Case) -> None:
    """A dynamic batch left unbound at import still runs a larger batch (3× the example)."""
    model, x = build(case)
    x3 = torch.cat([x, -x, 2 * x])
    with torch.no_grad():
        expected = model(x3).numpy()
    graph = fpgaforge.load(export(model, x, "torchscript-17"))
    got = fpgaforge.execute(graph, {"x": x3.numpy()})["y"]
    np.testing.assert_allclose(
        got, expected, rtol=RTOL, atol=ATOL, err_msg=f"{case.name} batch {len(x3)}"
    )


@pytest.mark.parametrize("name", ["mlp", "mixed_cnn", "resnet"])
def test_from_torch(name: str) -> None:
    """fpgaforge.from_torch(module, (x,)) matches torch directly."""
    model, x = build(CASES_BY_NAME[name])
    with torch.no_grad():
        expected = model(x).numpy()
    graph = fpgaforge.from_torch(model, (x,))
    assert len(graph.inputs) == 1 and len(graph.outputs) == 1
    got = fpgaforge.execute(graph, {graph.inputs[0].name: x.numpy()})
    (output,) = got.values()
    np.testing.assert_allclose(output, expected, rtol=RTOL, atol=ATOL, err_msg=f"{name} from_torch")
