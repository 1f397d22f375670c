"""A CNN with LRN, average pooling that excludes padding and a final Softmax: HLS csim is
bit-exact with the integer emulation; the RTL backend refuses the LRN in one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from fpgaforge.errors import FpgaforgeError
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from tests.quant.test_table_ops import _model


@pytest.mark.csim
@pytest.mark.parametrize("spec", ["int8", "fixed:10,4"])
def test_table_ops_csim_bit_exact(tmp_path: Path, spec: str) -> None:
    model = _model(tmp_path / "m.onnx")
    build(str(model), "zcu104", spec, tmp_path / "prj", backend="hls", vectors=8)
    source = (tmp_path / "prj" / "hls" / "firmware" / "m.cpp").read_text()
    assert all(k in source for k in ("ff::softmax<", "ff::lrn<", "ff::avg_pool2d<"))
    csim = run_csim(tmp_path / "prj")
    assert csim.vectors == 8 and csim.mismatches == 0 and csim.max_diff == 0, csim.output


def test_rtl_backend_refuses_lrn_naming_it(tmp_path: Path) -> None:
    model = _model(tmp_path / "m.onnx")
    with pytest.raises(FpgaforgeError) as info:
        build(str(model), "zcu104", "int8", tmp_path / "prj", backend="rtl", vectors=2)
    message = str(info.value)
    assert "LRN node 'LRN_1'" in message and message.endswith(
        "build this model with --backend hls."
    )


@pytest.mark.csim
def test_three_way_concat_csim_bit_exact(tmp_path: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(2)
    inits = [
        numpy_helper.from_array(rng.normal(0, 0.5, (k, k - 1, 1, 1)).astype(np.float32), f"w{k}")
        for k in (3, 4, 5)
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w3"], ["c2"]),
        helper.make_node("Conv", ["c2", "w4"], ["c3"]),
        helper.make_node("Conv", ["c3", "w5"], ["c4"]),
    ]
    nodes.append(helper.make_node("Concat", ["c2", "c3", "c4"], ["y"], axis=1))
    graph = helper.make_graph(
        nodes,
        "cat3",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 12, 3, 3])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "cat3.onnx")
    build(str(tmp_path / "cat3.onnx"), "zcu104", "int8", tmp_path / "prj", vectors=4)
    csim = run_csim(tmp_path / "prj")
    assert csim.vectors == 4 and csim.mismatches == 0, csim.output
