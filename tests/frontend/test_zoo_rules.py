"""Spatial ReduceMean → GlobalPool, Div by a constant → Mul, per-channel constant Mul/Add:
imported, quantized and built through HLS csim bit-exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge
from fpgaforge.flow import build
from fpgaforge.hls import run_csim

RNG = np.random.default_rng(5)


def _model(path: Path) -> Path:
    inits = [
        numpy_helper.from_array(RNG.normal(0, 0.3, (6, 3, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(RNG.uniform(0.5, 2, (1, 6, 1, 1)).astype(np.float32), "s"),
        numpy_helper.from_array(RNG.normal(0, 0.5, (1, 6, 1, 1)).astype(np.float32), "b"),
        numpy_helper.from_array(np.array(4.0, np.float32), "k"),
        numpy_helper.from_array(RNG.normal(0, 0.3, (5, 6)).astype(np.float32), "d"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Mul", ["c", "s"], ["m"]),
        helper.make_node("Add", ["m", "b"], ["a"]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Div", ["r", "k"], ["q"]),
        helper.make_node("ReduceMean", ["q"], ["g"], axes=[2, 3], keepdims=0),
        helper.make_node("Gemm", ["g", "d"], ["y"], transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "zoo_rules",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def test_rules_rewrite_and_match_onnxruntime(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.onnx")
    graph = fpgaforge.load(path)
    ops = [n.op for n in graph.nodes]
    assert "Div" not in ops and "Reduce" not in ops and "GlobalPool" in ops
    x = RNG.uniform(-1, 1, (1, 3, 6, 6)).astype(np.float32)
    ref = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    np.testing.assert_allclose(fpgaforge.execute(graph, {"x": x})["y"], ref, rtol=1e-4, atol=1e-5)


@pytest.mark.csim
def test_constant_mul_add_csim_bit_exact(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.onnx")
    build(str(path), "zcu104", "int8", tmp_path / "prj", backend="hls", vectors=6)
    csim = run_csim(tmp_path / "prj")
    assert csim.vectors == 6 and csim.mismatches == 0, csim.output
