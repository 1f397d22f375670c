"""A graph bound to a batch of several whose nodes mix dimension 0 (a sequence-first
layout) has no per-inference sample to stream: quantizing and estimating it work, an HLS
build is one sentence naming the node."""

from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper

import fpgaforge
from fpgaforge.dataflow import schedule
from fpgaforge.quant.calibrate import default_calibration
from tests.toy_models import save_graph


def _sequence_first(path) -> str:
    """x (3, 4) -> Transpose -> (4, 3) -> MatMul (3, 2): dimension 0 is not a batch."""
    weight = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(3, 2) / 6, name="w")
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], name="swap", perm=[1, 0]),
        helper.make_node("MatMul", ["t", "w"], ["y"], name="proj"),
    ]
    return save_graph(path, "seqfirst", nodes, {"x": [3, 4]}, {"y": [4, 2]}, [weight])


def test_a_batch_mixing_graph_quantizes_and_estimates(tmp_path) -> None:
    graph = fpgaforge.load(_sequence_first(tmp_path / "seq.onnx"))
    feeds = default_calibration(graph)
    assert feeds["x"].shape[0] % 3 == 0  # rounded up to the static batch: it executes
    q = fpgaforge.quantize(graph, "int8")
    sched = schedule(q, "zcu104")
    assert sched.throughput > 0
    assert any("mixes the 3 entries of dimension 0" in note for note in sched.report.notes)


def test_build_of_a_batch_mixing_graph_exits_2_without_a_folder(tmp_path, capsys) -> None:
    from fpgaforge.cli import main

    model = _sequence_first(tmp_path / "seq.onnx")
    out = tmp_path / "out"
    code = main(["build", model, "--board", "zcu104", "--quant", "int8", "-o", str(out)])
    assert code == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Node 'swap' (Transpose) cannot be built for HLS: it mixes the 3 entries" in err
    assert "Traceback" not in err


def test_rtl_build_of_a_batch_mixing_graph_exits_2_without_a_folder(tmp_path, capsys) -> None:
    from fpgaforge.cli import main

    model = _sequence_first(tmp_path / "seq.onnx")
    out = tmp_path / "out"
    args = ["build", model, "--board", "zcu104", "--quant", "int8", "--backend", "rtl"]
    assert main([*args, "-o", str(out)]) == 2
    assert not out.exists()
    assert "the RTL top streams one inference at a time" in capsys.readouterr().err
