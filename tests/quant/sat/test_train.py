"""SAT training: the BDWP autograd function, mask refresh, errors, pruning and QFX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import fpgaforge
from fpgaforge.errors import SparsityError
from fpgaforge.ir.quant_info import WeightFormat, WeightKind
from fpgaforge.numerics import nm
from fpgaforge.quant import qfx, sat
from fpgaforge.quant.sat import masks

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "models"


def test_bdwp_linear_gradients() -> None:
    torch.manual_seed(0)
    layer = nn.Linear(16, 16)
    sat.sparsify(layer, "2:8", "bdwp", decay=0.01)
    state = layer.sat_state
    x = torch.randn(4, 16, requires_grad=True)
    y = layer(x)
    g = torch.randn_like(y)
    y.backward(g)
    w = layer.weight.detach()
    torch.testing.assert_close(y, x @ (w * state.mf).T + layer.bias)
    torch.testing.assert_close(x.grad, g @ (w * state.mb))  # dX with the output-axis mask
    torch.testing.assert_close(layer.weight.grad, g.T @ x.detach() + 0.01 * (1 - state.mf) * w)
    assert not torch.equal(state.mf, state.mb)
    assert masks.is_nm(state.mb, nm.NMPattern(2, 8), axis=0)


def test_srste_uses_the_forward_mask_backward_and_masked_source() -> None:
    torch.manual_seed(0)
    layer = sat.sparsify(nn.Linear(8, 8), "2:4", "srste")
    x = torch.randn(3, 8, requires_grad=True)
    g = torch.randn(3, 8)
    layer(x).backward(g)
    torch.testing.assert_close(x.grad, g @ (layer.weight.detach() * layer.sat_state.mf))
    masked = sat.sparsify(nn.Linear(8, 8), "2:4", backward_from="masked").sat_state
    assert bool((masked.mb <= masked.mf).all())  # Mb drawn from W * Mf


def test_conv2d_gradients_match_reference() -> None:
    torch.manual_seed(0)
    conv = nn.Conv2d(8, 8, 3, padding=1)
    sat.sparsify(conv, "2:8")
    state = conv.sat_state
    x = torch.randn(2, 8, 5, 5, requires_grad=True)
    g = torch.randn(2, 8, 5, 5)
    conv(x).backward(g)
    ref_x = x.detach().clone().requires_grad_(True)
    wb = (conv.weight.detach() * state.mb).requires_grad_(False)
    torch.nn.functional.conv2d(ref_x, wb, conv.bias.detach(), padding=1).backward(g)
    torch.testing.assert_close(x.grad, ref_x.grad)
    wf = (conv.weight.detach() * state.mf).requires_grad_(True)
    torch.nn.functional.conv2d(x.detach(), wf, padding=1).backward(g)
    torch.testing.assert_close(conv.weight.grad, wf.grad)


def test_masks_refresh_every_k_steps_from_dense_master_weights() -> None:
    torch.manual_seed(0)
    layer = sat.sparsify(nn.Linear(8, 4), "1:4", refresh=2)
    first = layer.sat_state.mf.clone()
    with torch.no_grad():
        layer.weight.copy_(torch.randn(4, 8))  # an update that changes the ranking
    layer(torch.randn(1, 8))  # steps 0 and 1 use the masks made at construction
    layer(torch.randn(1, 8))
    assert torch.equal(layer.sat_state.mf, first)
    layer(torch.randn(1, 8))  # step 2 refreshes them from the current weight
    assert torch.equal(layer.sat_state.mf, masks.forward_mask(layer.weight, nm.NMPattern(1, 4)))
    layer.eval()
    layer(torch.randn(1, 8))  # inference never refreshes or counts
    assert layer.sat_state.calls == 3


def test_training_loop_reduces_loss_and_keeps_dense_master() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 4))
    sat.sparsify(model, "2:8", "bdwp")
    x, y = torch.randn(64, 16), torch.randint(0, 4, (64,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert float((model[0].weight == 0).float().mean()) < 0.1  # the master copy stays dense


def test_bad_input_errors_name_the_layer() -> None:
    with pytest.raises(SparsityError, match="'1'.*depthwise.*skip="):
        sat.sparsify(nn.Sequential(nn.Conv2d(8, 8, 1), nn.Conv2d(8, 8, 3, groups=8)), "2:8")
    with pytest.raises(SparsityError, match="'0' has 12 inputs, not a multiple of M=8"):
        sat.sparsify(nn.Sequential(nn.Linear(12, 8)), "2:8")
    with pytest.raises(SparsityError, match="0 < N <= M"):
        sat.sparsify(nn.Linear(8, 8), "4:2")
    with pytest.raises(SparsityError, match="Unknown SAT method"):
        sat.sparsify(nn.Linear(8, 8), "2:4", "magic")
    with pytest.raises(SparsityError, match="names no layer"):
        sat.sparsify(nn.Linear(8, 8), "2:4", skip=["fc9"])
    model = sat.sparsify(nn.Sequential(nn.Linear(12, 8), nn.Linear(8, 8)), "2:8", skip=["0"])
    assert list(sat.sparse_layers(model)) == ["1"]
    with pytest.raises(SparsityError, match="'1' is a ConvTranspose2d, which sparsify does not"):
        sat.sparsify(nn.Sequential(nn.Conv2d(8, 8, 1), nn.ConvTranspose2d(8, 8, 3)), "2:8")
    with pytest.raises(SparsityError, match="top-level module is a LSTM.*skip="):
        sat.prune(nn.LSTM(8, 8), "2:8")
    with pytest.raises(SparsityError, match="'rnn' is a GRU"):
        sat.sparsify(nn.ModuleDict({"rnn": nn.GRU(8, 8), "fc": nn.Linear(8, 8)}), "2:8")
    model = nn.ModuleDict({"attn": nn.MultiheadAttention(8, 2), "norm": nn.LayerNorm(8)})
    sat.sparsify(model, "2:8", skip=["attn"])  # a norm has no N:M product: left dense
    assert list(sat.sparse_layers(model)) == ["attn.out_proj"]


def test_prune_and_strip() -> None:
    torch.manual_seed(0)
    model = sat.prune(nn.Sequential(nn.Linear(16, 8), nn.Conv1d(8, 8, 3)), "2:8")
    assert masks.is_nm(model[0].weight, nm.NMPattern(2, 8), axis=1)
    assert masks.is_nm(model[1].weight, nm.NMPattern(2, 8), axis=1)
    layer = sat.sparsify(nn.Linear(16, 8), "1:8")
    expected = layer(torch.randn(2, 16))  # noqa: F841 - runs the sparse forward
    sat.strip(layer)
    assert not hasattr(layer, "sat_state")
    assert masks.is_nm(layer.weight, nm.NMPattern(1, 8), axis=1)


def test_qfx_model_trains_sparse_and_exports_n_m_bit_exact() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((96, 64)).astype(np.float32)
    y = rng.integers(0, 10, 96)
    model = qfx.prepare(EXAMPLES / "digits_mlp.onnx", qfx.QfxConfig(width=8), calibration={"x": x})
    sat.sparsify(model, "2:8", "bdwp")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for step in range(4):
        optimizer.zero_grad()
        batch = slice(step * 24, step * 24 + 24)
        nn.functional.cross_entropy(
            model(torch.from_numpy(x[batch]).double()), torch.from_numpy(y[batch])
        ).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        expected = model(torch.from_numpy(x).double()).numpy()
    qgraph = qfx.export(model)
    dense = [n for n in qgraph.nodes if n.op == "Dense"]
    assert dense and all(n.quant.weights == WeightFormat.sparse(2, 8) for n in dense)
    for n in dense:
        assert nm.is_nm(n.inputs[1].const, nm.NMPattern(2, 8), axis=1)
    np.testing.assert_array_equal(fpgaforge.execute(qgraph, {"x": x})["logits"], expected)
    assert all(n.quant.weights.kind is WeightKind.N_M for n in dense)
