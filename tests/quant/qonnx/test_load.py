"""QONNX files: what fpgaforge writes passes the ONNX checker (SSA form), and a file
without fpgaforge's metadata (as another QONNX tool writes it) loads with the types of its
Quant nodes: the layers' weights found by consumer when the importer renames them, a
fixed-point Quant saturating as QONNX's clamp does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnx.checker
import pytest

import fpgaforge
from fpgaforge.ir.executor import execute
from fpgaforge.numerics.modes import Overflow
from fpgaforge.numerics.types import Fixed, Int
from fpgaforge.quant import load_qonnx, quantize, save_qonnx

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models"


@pytest.mark.parametrize(("model", "spec"), [("digits_mlp", "int8"), ("digits_cnn", "fixed:8,3")])
def test_qonnx_without_metadata_loads_from_its_quant_nodes(
    model: str, spec: str, tmp_path: Path
) -> None:
    graph = fpgaforge.load(EXAMPLES / f"{model}.onnx")
    x = np.load(EXAMPLES / f"{model}_test.npz")["x"][:64]
    qgraph = quantize(graph, spec, {"x": x})
    path = save_qonnx(qgraph, tmp_path / "q.onnx")
    onnx.checker.check_model(str(path))
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    foreign = tmp_path / "foreign.onnx"
    onnx.save(proto, str(foreign))
    back = load_qonnx(foreign)
    assert [v.name for v in back.inputs] == ["x"]
    layers = [n for n in back.nodes if n.op in ("Dense", "Conv")]
    assert layers and all(isinstance(n.inputs[1].dtype, Fixed | Int) for n in layers)
    to = back.inputs[0].users[0].attrs["to"]
    if isinstance(to, Fixed):
        assert to.overflow is Overflow.SAT
    want = execute(qgraph, {"x": x})[qgraph.outputs[0].name]
    got = execute(back, {"x": x})[back.outputs[0].name]
    assert np.mean(want.argmax(1) == got.argmax(1)) >= 0.95
