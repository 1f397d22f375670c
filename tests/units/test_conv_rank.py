"""A 1-D convolution imports, quantizes and estimates; the HLS and RTL convolution units
are 2-D, so `build` refuses it in one sentence that says how to write it instead."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper, numpy_helper

from fpgaforge.cli import main
from tests.toy_models import save_graph


def _conv1d(path) -> str:
    weight = numpy_helper.from_array(
        np.random.default_rng(0).standard_normal((6, 4, 3)).astype(np.float32), name="w"
    )
    conv = helper.make_node("Conv", ["x", "w"], ["y"], name="conv1d", pads=[1, 1])
    return save_graph(path, "conv1d", [conv], {"x": [1, 4, 16]}, {"y": [1, 6, 16]}, [weight])


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
