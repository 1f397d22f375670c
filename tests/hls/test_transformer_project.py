"""A transformer encoder layer (attention MatMuls between activations, Softmax over the
last axis of a rank-4 tensor, LayerNorm, residual adds): int8 estimate stages and HLS csim
bit-exact with the integer emulation."""

from __future__ import annotations

from pathlib import Path

import pytest

import fpgaforge
from fpgaforge.dataflow import schedule
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from tests.toy_models import encoder_onnx


def test_encoder_estimate_has_attention_and_layernorm_units(tmp_path: Path) -> None:
    graph = fpgaforge.load(encoder_onnx(tmp_path / "enc.onnx"))
    sched = schedule(fpgaforge.quantize(graph, "int8"), "zcu104")
    kinds = {stage.name: stage.kind for stage in sched.stages}
    assert kinds["scores"] == kinds["context"] == "act_matmul"
    assert kinds["norm1"] == kinds["y"] == "layernorm"
    assert sched.report.throughput > 0


@pytest.mark.csim
@pytest.mark.parametrize("mode", ["streaming", "tiled"])
def test_encoder_csim_bit_exact(tmp_path: Path, mode: str) -> None:
    model = encoder_onnx(tmp_path / "enc.onnx")
    build(str(model), "zcu104", "int8", tmp_path / "prj", backend="hls", mode=mode, vectors=3)
    source = (tmp_path / "prj" / "hls" / "firmware" / "enc.cpp").read_text()
    assert all(k in source for k in ("ff::act_matmul<", "ff::layernorm<", "ff::softmax<"))
    csim = run_csim(tmp_path / "prj")
    assert csim.vectors == 3 and csim.mismatches == 0 and csim.max_diff == 0, csim.output


def test_table_names_differ_beyond_case(tmp_path: Path) -> None:
    """Nodes named alike but for case (the dynamo exporter's node_MatMul_1 and node_matmul_1)
    get table headers whose names, and so include guards, differ regardless of case."""
    import onnx

    from tests.toy_models import mlp_onnx

    model = onnx.load(mlp_onnx(tmp_path / "m.onnx", sizes=(6, 5, 4)))
    model.graph.node[0].name, model.graph.node[2].name = "node_MatMul_1", "node_matmul_1"
    onnx.save(model, tmp_path / "m.onnx")
    build(str(tmp_path / "m.onnx"), "zcu104", "int8", tmp_path / "prj", backend="hls", vectors=1)
    headers = [p.stem for p in (tmp_path / "prj" / "hls" / "firmware" / "weights").glob("*.h")]
    assert len({h.lower() for h in headers}) == len(headers)
    assert {"node_matmul_1_weight", "node_matmul_1_weight_2"} <= {h.lower() for h in headers}
