"""Import corner cases of real exports: output names behind dropped nodes, bound-less Clip,
one-input Sum, ReduceSum with empty axes, zero-size Split parts, Reshape allowzero, and the
dynamo fallback of `from_torch`."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge


def _model(nodes, outputs, inits=(), opset=13) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes,
        "t",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        list(inits),
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _i64(name, values):
    return numpy_helper.from_array(np.asarray(values, np.int64), name)


RELU = helper.make_node("Relu", ["x"], ["r"])
CASES = {
    "identity": _model([RELU, helper.make_node("Identity", ["r"], ["out"])], ["out"]),
    "dropout": _model([RELU, helper.make_node("Dropout", ["r"], ["out"])], ["out"]),
    "transpose": _model(
        [RELU, helper.make_node("Transpose", ["r"], ["out"], perm=[0, 1])], ["out"]
    ),
    "input_identity": _model([helper.make_node("Identity", ["x"], ["out"])], ["out"]),
    "two_names": _model([RELU, helper.make_node("Identity", ["r"], ["out"])], ["out", "r"]),
    "clip": _model([helper.make_node("Clip", ["x"], ["out"])], ["out"]),
    "sum1": _model([helper.make_node("Sum", ["x"], ["out"])], ["out"]),
    "reducesum": _model(
        [helper.make_node("ReduceSum", ["x", "axes"], ["out"], noop_with_empty_axes=1)],
        ["out"],
        [_i64("axes", np.zeros(0))],
    ),
    "split": _model(
        [helper.make_node("Split", ["x", "parts"], ["a", "b", "c"], axis=1)],
        ["a", "c"],
        [_i64("parts", [2, 0, 2])],
    ),
    "allowzero": _model(
        [helper.make_node("Reshape", ["x", "shape"], ["out"], allowzero=1)],
        ["out"],
        [_i64("shape", [1, 2, 2])],
        opset=14,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_import_keeps_names_and_matches_onnxruntime(case: str, tmp_path: Path) -> None:
    model = CASES[case]
    path = tmp_path / f"{case}.onnx"
    onnx.save(model, path)
    graph = fpgaforge.load(path)
    names = [o.name for o in model.graph.output]
    assert [v.name for v in graph.outputs] == names
    x = (np.arange(4, dtype=np.float32) - 1.5).reshape(1, 4)
    got = fpgaforge.execute(graph, {"x": x})
    for name, ref in zip(names, ort.InferenceSession(str(path)).run(None, {"x": x}), strict=True):
        np.testing.assert_allclose(got[name], ref)


def test_from_torch_falls_back_to_dynamo_and_says_so() -> None:
    torch = pytest.importorskip("torch")

    class Untraceable(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(8, 4)

        def forward(self, x):
            if torch.jit.is_tracing():
                raise RuntimeError("this module refuses tracing")
            return torch.relu(self.fc(x))

    module, x = Untraceable(), torch.randn(2, 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = fpgaforge.from_torch(module, x)
    assert graph.metadata["torch_exporter"] == "dynamo"
    assert any("used the dynamo exporter" in str(w.message) for w in caught)
    ref = module(x).detach().numpy()
    np.testing.assert_allclose(fpgaforge.execute(graph, {"x": x.numpy()})["y"], ref, atol=1e-5)
    assert (
        fpgaforge.from_torch(torch.nn.Linear(3, 2), torch.randn(1, 3)).metadata["torch_exporter"]
        == "torchscript"
    )
