"""A 1-D convolution imports, quantizes and estimates; the HLS and RTL convolution units
are 2-D, so `build` refuses it in one sentence that says how to write it instead."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from fpgaforge.cli import main


def _conv1d(path) -> str:
    weight = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((6, 4, 3)).astype(np.float32), name="w"
    )
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv1d", pads=[1, 1])],
        "conv1d",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6, 16])],
        [weight],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return str(path)


@pytest.mark.parametrize(
    ("backend", "sentence"),
    [
        ("hls", "Node 'conv1d' (Conv) cannot be built for HLS: it has 1 spatial dimension(s)"),
        ("rtl", "the input is not a (C, H, W) feature map; write the convolution as a 2-D one"),
    ],
)
def test_a_1d_convolution_is_refused_in_one_sentence(tmp_path, capsys, backend, sentence):
    model = _conv1d(tmp_path / "c.onnx")
    assert main(["estimate", model, "--board", "zcu104", "--quant", "int8"]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    args = ["build", model, "--board", "zcu104", "--quant", "int8", "--backend", backend]
    assert main([*args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert sentence in err and "Traceback" not in err
    assert not out.exists()
