"""Bad input gets one clear sentence and, from the CLI, exit code 2 without a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import fpgaforge
from fpgaforge.cli import main
from fpgaforge.errors import DynamicShapeError, FeedError, ModelLoadError, UnsupportedOpError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"


def _model(nodes, inputs, outputs, initializers=(), opset=13) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def _save(model: onnx.ModelProto, path: Path) -> Path:
    onnx.save(model, str(path))
    return path


@pytest.fixture
def unsupported_model(tmp_path: Path) -> Path:
    node = helper.make_node("Det", ["x"], ["y"], name="det_1")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    return _save(_model([node], [x], [y]), tmp_path / "det.onnx")


def test_unsupported_op_names_node_op_and_opset(unsupported_model: Path) -> None:
    with pytest.raises(UnsupportedOpError) as info:
        fpgaforge.load(unsupported_model)
    message = str(info.value)
    assert message.startswith(
        "Unsupported node 'det_1' (op_type 'Det', opset 13): fpgaforge cannot import this op. Supported op types: "
    )
    assert "Conv" in message and message.endswith(
        "(fpgaforge.supported_op_types() lists them all)."
    )
    assert len(message) < 3 * 160  # the list is cut: the message stays within three lines


def test_truncated_file(tmp_path: Path) -> None:
    data = (EXAMPLES / "digits_cnn.onnx").read_bytes()
    path = tmp_path / "truncated.onnx"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelLoadError) as info:
        fpgaforge.load(path)
    assert str(info.value).startswith(
        f"Model file '{path}' is not a readable ONNX model (truncated or corrupt"
    )
    assert str(info.value).endswith("re-export it.")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.onnx"
    with pytest.raises(
        ModelLoadError, match="^Model file '.*nope.onnx' does not exist; check the path.$"
    ):
        fpgaforge.load(path)


def test_unbound_dynamic_dimension(tmp_path: Path) -> None:
    node = helper.make_node("Relu", ["x"], ["y"])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "seq", 32])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", "seq", 32])
    path = _save(_model([node], [x], [y]), tmp_path / "dyn.onnx")
    with pytest.raises(DynamicShapeError) as info:
        fpgaforge.load(path)
    assert str(info.value) == (
        "Input 'x' has an unbound dynamic dimension 'seq' at axis 1; bind it with input_shapes={'x': (...)} "
        "or --input-shape x=1xNx32 (N = the size you deploy)."
    )
    graph = fpgaforge.load(path, input_shapes={"x": (1, 10, 32)})
    assert graph.inputs[0].shape == (1, 10, 32)


def test_wrong_feed_shape() -> None:
    graph = fpgaforge.load(EXAMPLES / "digits_cnn.onnx")
    with pytest.raises(FeedError) as info:
        fpgaforge.execute(graph, {"x": np.zeros((2, 1, 7, 8), np.float32)})
    assert (
        str(info.value)
        == "Feed 'x' has shape 2x1x7x8, but the graph expects Nx1x8x8 (N = any batch size)."
    )


def test_missing_and_unknown_feed() -> None:
    graph = fpgaforge.load(EXAMPLES / "digits_mlp.onnx")
    with pytest.raises(
        FeedError,
        match=r"^Missing feed for input 'x' of graph 'digits_mlp'; its inputs are x \(1x64\)\.$",
    ):
        fpgaforge.execute(graph, {})
    with pytest.raises(
        FeedError,
        match=r"^Feed 'z' is not an input of graph 'digits_mlp'; its inputs are x \(1x64\)\.$",
    ):
        fpgaforge.execute(
            graph, {"z": np.zeros((1, 64), np.float32), "x": np.zeros((1, 64), np.float32)}
        )


def test_runtime_shape_input_is_named(tmp_path: Path) -> None:
    node = helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape_dyn")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    s = helper.make_tensor_value_info("s", TensorProto.INT64, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])
    path = _save(_model([node], [x, s], [y]), tmp_path / "r.onnx")
    with pytest.raises(
        fpgaforge.FpgaforgeError,
        match="^Input 1 \\(shape\\) of node 'reshape_dyn' \\(Reshape\\) is computed at run time",
    ):
        fpgaforge.load(path)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["inspect", "{unsupported}"], "Unsupported node 'det_1' (op_type 'Det', opset 13)"),
        (["inspect", "{missing}"], "does not exist; check the path."),
        (
            ["inspect", "{cnn}", "--input-shape", "x=1x1xAx8"],
            "--input-shape 'x=1x1xAx8' is not NAME=DxDx...",
        ),
        (
            ["inspect", "{cnn}", "--input-shape", "y=1x1x8x8"],
            "input_shapes names y, which the model does not have",
        ),
    ],
)
def test_cli_errors_exit_2_without_traceback(
    args, expected, unsupported_model: Path, tmp_path: Path, capsys
) -> None:
    paths = {
        "unsupported": str(unsupported_model),
        "missing": str(tmp_path / "missing.onnx"),
        "cnn": str(EXAMPLES / "digits_cnn.onnx"),
    }
    code = main([a.format(**paths) for a in args])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert captured.err.startswith("error: ")
    assert expected in " ".join(captured.err.split())
