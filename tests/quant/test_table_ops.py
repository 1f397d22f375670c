"""Integer forms of the ops real CNNs end or normalize with: table softmax, LRN, average
pooling that excludes padding from its divisor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge
from fpgaforge.cli import main
from fpgaforge.errors import QuantizationError
from fpgaforge.ir.ops.table_int import softmax_codes
from fpgaforge.quant.lower.rowwise import EXP_FRAC


def _model(path: Path) -> Path:
    rng = np.random.default_rng(3)  # the same model whoever builds it, in any order
    w = numpy_helper.from_array(rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32), "w")
    d = numpy_helper.from_array(rng.normal(0, 0.3, (10, 8)).astype(np.float32), "d")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("LRN", ["c"], ["n"], size=5, alpha=0.05, beta=0.75, bias=1.0),
        helper.make_node(
            "AveragePool", ["n"], ["p"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]
        ),
        helper.make_node("GlobalAveragePool", ["p"], ["g"]),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "d"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["prob"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "table_ops",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 9, 9])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 10])],
        [w, d],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return _model(tmp_path_factory.mktemp("table_ops") / "m.onnx")


def _sqnr(ref: np.ndarray, got: np.ndarray) -> float:
    return float(10 * np.log10((ref**2).sum() / max(((ref - got) ** 2).sum(), 1e-30)))


@pytest.mark.parametrize(("spec", "floor_db"), [("int8", 25.0), ("fixed:16,6", 45.0)])
def test_lrn_avgpool_softmax_quantize_close_to_float(model: Path, spec: str, floor_db) -> None:
    graph = fpgaforge.load(model)
    x = np.random.default_rng(4).uniform(-1, 1, (8, 3, 9, 9)).astype(np.float32)
    qgraph = fpgaforge.quantize(graph, spec, {"x": x})
    ref = fpgaforge.execute(graph, {"x": x})["prob"]
    got = fpgaforge.execute(qgraph, {"x": x})["prob"]
    assert _sqnr(ref, got) > floor_db
    # the top class agrees wherever the float margin to the second exceeds the error
    top2 = np.sort(ref, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * np.abs(ref - got).max()
    assert (ref.argmax(1) == got.argmax(1))[clear].all()
    ops = {n.op for n in qgraph.nodes}
    assert {"LRN", "Softmax", "Pool"} <= ops
    assert "Dequantize" not in ops  # every op has its integer form


def test_softmax_codes_are_the_table_arithmetic() -> None:
    from fpgaforge.quant.lut import LookupTable

    table = LookupTable(0, 0, np.round(np.exp(-np.arange(256) * 0.1) * 2**EXP_FRAC).astype(int))
    x = np.array([[3, 3, 3, 3], [10, 0, -5, 10]])
    y = softmax_codes(x, 1, table, 8)
    assert y[0].tolist() == [64, 64, 64, 64]
    e = table.values[[0, 10, 15, 0]]
    assert y[1].tolist() == ((e << 8) // e.sum()).tolist()


def test_log_softmax_and_overflowing_lrn_are_one_sentence(model: Path, tmp_path: Path) -> None:
    g = fpgaforge.load(model)
    lrn = next(n for n in g.nodes if n.op == "LRN")
    with pytest.raises(QuantizationError, match=r"LRN input's sum of squares at .* needs \d+ bits"):
        fpgaforge.quantize(g, "fixed:32,16")
    assert lrn is not None
    soft = next(n for n in g.nodes if n.op == "Softmax")
    soft.attrs = {**soft.attrs, "log": True}
    with pytest.raises(QuantizationError, match=r"is a LogSoftmax, which has no integer form"):
        fpgaforge.quantize(g, "int8")
    assert main(["quantize", str(model), "--quant", "fixed:32,16", "-o", str(tmp_path / "q")]) == 2
