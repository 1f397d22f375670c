"""The backward pass's order: a layer's backward data waits until a layer whose output it
reaches comes next, so siblings run their weight gradients first."""

from __future__ import annotations

from fpgaforge.dataflow.backward_order import backward_order, readers
from fpgaforge.dataflow.stages import form_stages
from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer
from tests.dataflow.graphs import bert_layer, resnet18, set_bits


def _stages(graph):
    return [s for s in form_stages(graph) if isinstance(s.tiled, TiledGemmLayer)]


def test_readers_follow_weightless_nodes():
    """BERT layer: attn_out reads v; ffn1 reads attn_out through the residual add; q and k
    feed nothing here (the attention products are left out of this graph)."""
    graph = set_bits(bert_layer(), 8, 8)
    stages = _stages(graph)
    names = [s.name for s in stages]
    got = {names[i]: {names[j] for j in r} for i, r in enumerate(readers(graph, stages))}
    assert got == {
        "q": set(), "k": set(), "v": {"attn_out"}, "attn_out": {"ffn1"},
        "ffn1": {"ffn2"}, "ffn2": set(),
    }  # fmt: skip


def test_siblings_run_their_weight_gradients_first():
    graph = set_bits(bert_layer(), 8, 8)
    stages = _stages(graph)
    names = [s.name for s in stages]
    order = backward_order(
        graph, stages, [[f"wg {n}"] for n in names], [[f"bwd {n}"] for n in names]
    )
    assert order == [
        "wg ffn2", "bwd ffn2", "wg ffn1", "bwd ffn1", "wg attn_out", "bwd attn_out",
        "wg v", "wg k", "wg q", "bwd v", "bwd k", "bwd q",
    ]  # fmt: skip


def test_backward_data_comes_before_the_gradients_that_need_it():
    """ResNet-18 (residual adds): every layer's backward data precedes the weight gradient
    of each layer whose output it reaches, and every item appears once."""
    graph = set_bits(resnet18(size=64), 8, 8)
    stages = _stages(graph)
    names = [s.name for s in stages]
    data = [[] if i == 0 else [("bwd", n)] for i, n in enumerate(names)]  # the stem has none
    order = backward_order(graph, stages, [[("wg", n)] for n in names], data)
    assert sorted(order) == sorted([("wg", n) for n in names] + [d for ds in data for d in ds])
    position = {item: k for k, item in enumerate(order)}
    for i, reach in enumerate(readers(graph, stages)):
        for j in reach:
            assert position[("bwd", names[j])] < position[("wg", names[i])]
