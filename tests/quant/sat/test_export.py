"""SAT export, quantize(sparsity=...), the QONNX round trip and the CLI flag."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import fpgaforge
from fpgaforge.cli import main as cli_main
from fpgaforge.errors import SparsityError
from fpgaforge.ir.ops.intmac import int64_reference
from fpgaforge.ir.quant_info import WeightFormat
from fpgaforge.numerics import nm
from fpgaforge.quant import load_qonnx, sat, save_qonnx

SPARSE = WeightFormat.sparse(2, 8)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 8))
    sat.sparsify(model, "2:8", "bdwp")
    x = torch.randn(32, 16)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        model(x).square().mean().backward()
        opt.step()
    path = tmp_path_factory.mktemp("sat") / "mlp.onnx"
    graph = sat.export(model, x[:1], path)
    return model, graph, path, x.numpy()


def test_export_marks_n_m_layers_and_matches_module(exported) -> None:
    model, graph, path, x = exported
    dense = [n for n in graph.nodes if n.op == "Dense"]
    assert [n.quant.weights for n in dense] == [SPARSE, SPARSE]
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(fpgaforge.execute(graph, {"x": x})["y"], expected, atol=1e-5)
    assert len(fpgaforge.load(path).nodes) == len(graph.nodes)


def test_quantize_keeps_trained_weights_and_prunes_dense_ones(exported) -> None:
    _, graph, path, x = exported
    kept = fpgaforge.quantize(graph, "int8", {"x": x})
    again = fpgaforge.quantize(fpgaforge.load(path), "int8", {"x": x}, sparsity="2:8")
    for a, b in zip(kept.nodes, again.nodes, strict=True):
        assert a.quant.weights == b.quant.weights
        if a.op == "Dense":
            assert a.quant.weights == SPARSE
            np.testing.assert_array_equal(a.inputs[1].const, b.inputs[1].const)
    fast = fpgaforge.execute(kept, {"x": x})
    with int64_reference():  # the compressed values+indices product
        reference = fpgaforge.execute(kept, {"x": x})
    np.testing.assert_array_equal(fast["y"], reference["y"])
    dense_model = nn.Sequential(nn.Linear(16, 8))
    pruned = fpgaforge.quantize(
        fpgaforge.from_torch(dense_model, torch.randn(1, 16)), "int8", sparsity="1:8"
    )
    (layer,) = [n for n in pruned.nodes if n.op == "Dense"]
    assert nm.is_nm(layer.inputs[1].const, nm.NMPattern(1, 8), axis=1)
    with pytest.raises(SparsityError, match="12 inputs are not a multiple of M=8"):
        fpgaforge.quantize(
            fpgaforge.from_torch(nn.Linear(12, 4), torch.randn(1, 12)), "int8", sparsity="2:8"
        )


def test_qonnx_round_trip_keeps_and_checks_the_format(exported, tmp_path) -> None:
    _, graph, _, x = exported
    qgraph = fpgaforge.quantize(graph, "int8", {"x": x})
    save_qonnx(qgraph, tmp_path / "q.onnx")
    back = load_qonnx(tmp_path / "q.onnx")
    assert [n.quant.weights for n in back.nodes if n.op == "Dense"] == [SPARSE, SPARSE]
    np.testing.assert_array_equal(
        fpgaforge.execute(back, {"x": x})["y"], fpgaforge.execute(qgraph, {"x": x})["y"]
    )


def test_cli_quantize_sparsity(exported, tmp_path, capsys) -> None:
    _, _, path, _ = exported
    out = tmp_path / "q.onnx"
    assert (
        cli_main(["quantize", str(path), "--quant", "int8", "--sparsity", "2:8", "-o", str(out)])
        == 0
    )
    assert [n.quant.weights for n in load_qonnx(out).nodes if n.op == "Dense"] == [SPARSE, SPARSE]
    assert cli_main(["quantize", str(path), "--quant", "int8", "--sparsity", "9:8"]) == 2
    assert "0 < N <= M" in capsys.readouterr().err
