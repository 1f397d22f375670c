"""QONNX written one initializer at a time (`qonnx.stream`) and constants quantized in
chunks (`export.grid_values`): the file loads as the in-memory model, the values are those
of quantizing the whole constant at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge
import fpgaforge.numerics.convert as convert
import fpgaforge.quant.qonnx.export as export
import fpgaforge.quant.qonnx.stream as stream
from fpgaforge.numerics.convert import quantize_real
from fpgaforge.numerics.fixed import to_float
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int
from fpgaforge.quant import quantize, save_qonnx

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models"


def _initializers() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(3)
    return [
        ("scalar", np.float32(0.25)),
        ("zero_d", np.asarray(7.0, np.float32)),
        ("weight", rng.standard_normal((40, 3, 5, 5)).astype(np.float32)),
        ("shape", np.asarray([1, -1], np.int64)),
        ("flags", np.asarray([True, False])),
        ("strided", rng.standard_normal((8, 10)).astype(np.float32)[:, ::2]),
        ("empty", np.zeros((0, 4), np.float32)),
    ]


def _skeleton() -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    return helper.make_model(graph, producer_name="test")


@pytest.mark.parametrize("direct_bytes", [0, 64, 1 << 30])
def test_streamed_model_loads_as_the_whole_model(
    direct_bytes: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "DIRECT_BYTES", direct_bytes)
    whole = _skeleton()
    for name, data in _initializers():
        whole.graph.initializer.append(numpy_helper.from_array(np.asarray(data), name))
    path = stream.write_model(_skeleton(), _initializers(), tmp_path / "m.onnx")
    loaded = onnx.load(str(path))
    assert loaded.SerializeToString() == whole.SerializeToString()
    for (name, data), tensor in zip(_initializers(), loaded.graph.initializer, strict=True):
        assert tensor.name == name
        back = numpy_helper.to_array(tensor)
        assert back.shape == np.shape(data)
        np.testing.assert_array_equal(back, np.asarray(data))


def _types() -> list:
    per_channel = Int(8, True, Scale.per_channel(np.linspace(0.01, 0.05, 12), axis=0))
    return [
        Fixed(8, 3, True, Rounding.RND, Overflow.SAT),
        Fixed(6, 2, True, Rounding.TRN, Overflow.WRAP),
        Int(4, True, Scale.per_tensor(0.125)),
        per_channel,
        Int(8, True, Scale.per_channel(np.linspace(0.02, 0.03, 7), axis=1)),
    ]


@pytest.mark.parametrize("index", range(5))
@pytest.mark.parametrize("chunk", [1, 5, 1 << 30])
def test_grid_values_in_chunks_equal_the_whole_constant(
    index: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = _types()[index]
    shape = (12, 7, 3) if index != 4 else (5, 7, 3)
    data = np.random.default_rng(index).standard_normal(shape) * 3
    data.flat[::17] = np.nan
    want = to_float(quantize_real(data, t), t).astype(np.float32)
    monkeypatch.setattr(convert, "CHUNK_ELEMENTS", chunk)
    got = export.grid_values(data, t)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_saved_qonnx_loads_as_the_in_memory_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = fpgaforge.load(EXAMPLES / "digits_cnn.onnx")
    data = np.load(EXAMPLES / "digits_cnn_test.npz")["x"][:32]
    qgraph = quantize(graph, "int8", {"x": data})
    whole = export.Exporter(qgraph.metadata["source_graph"], qgraph.metadata["type_plan"]).model()
    monkeypatch.setattr(convert, "CHUNK_ELEMENTS", 7)
    monkeypatch.setattr(stream, "DIRECT_BYTES", 0)
    path = save_qonnx(qgraph, tmp_path / "q.onnx")
    assert onnx.load(str(path)).SerializeToString() == whole.SerializeToString()
