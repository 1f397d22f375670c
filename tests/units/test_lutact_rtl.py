"""An activation ROM indexed by more than 12 input bits is refused for RTL in one sentence
that names the activation and says what to do."""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

from fpgaforge.cli import main
from tests.toy_models import save_graph


def _depthwise_relu6(path) -> str:
    rng = np.random.default_rng(1)
    inits = [
        numpy_helper.from_array(rng.standard_normal((4, 1, 3, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(np.array(0.0, np.float32), "lo"),
        numpy_helper.from_array(np.array(6.0, np.float32), "hi"),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="dw", group=4, pads=[1, 1, 1, 1]),
        helper.make_node("Clip", ["c", "lo", "hi"], ["y"], name="relu6"),
    ]
    shape = [1, 4, 8, 8]
    return save_graph(path, "dw_relu6", nodes, {"x": shape}, {"y": shape}, inits)


def test_a_wide_activation_rom_is_refused_in_one_sentence(tmp_path, capsys) -> None:
    model = _depthwise_relu6(tmp_path / "m.onnx")
    out = tmp_path / "out"
    args = ["build", model, "--board", "zcu104", "--quant", "fixed:16,6", "--backend", "rtl"]
    assert main([*args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "would index its ROM with 16 input bits (at most 12)" in err
    assert "--backend hls" in err and "Traceback" not in err
    assert not out.exists()
    assert main([*args[:-1], "hls", "-o", str(out)]) == 0
