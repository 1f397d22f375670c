"""`from_torch(nn.TransformerEncoderLayer(...))`: the TorchScript exporter fails on its fast
path, the dynamo exporter takes over; the layer quantizes (LayerNorm, attention MatMuls)
and estimates; its sequence-first attention is refused by the HLS backend in one sentence."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import fpgaforge
from fpgaforge.dataflow import schedule
from fpgaforge.errors import FpgaforgeError
from fpgaforge.flow import build

torch = pytest.importorskip("torch")


@pytest.mark.slow
def test_encoder_layer_imports_by_dynamo_quantizes_and_estimates(tmp_path: Path) -> None:
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = fpgaforge.from_torch(layer, torch.randn(1, 4, 16))
    assert graph.metadata["torch_exporter"] == "dynamo"
    assert any("dynamo exporter instead" in str(w.message) for w in caught)
    qgraph = fpgaforge.quantize(graph, "int8")
    ops = {n.op for n in qgraph.nodes}
    assert {"LayerNorm", "MatMul", "Softmax"} <= ops
    assert schedule(qgraph, "zcu104").report.throughput > 0
    with pytest.raises(FpgaforgeError, match=r"sequence-first layout.*batch first\.$"):
        build(graph, "zcu104", "int8", tmp_path / "prj", backend="hls", vectors=1)


def test_unknown_exporter_is_refused_in_one_sentence() -> None:
    from fpgaforge.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match=r"no exporter 'onnxscript'; choose one of auto, "):
        fpgaforge.from_torch(torch.nn.Linear(2, 2), torch.randn(1, 2), exporter="onnxscript")
