"""Stages of the N:M sparse MVAU: a Dense or MatMul whose weights carry an N:M pattern."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.quant_info import WeightKind
from fpgaforge.units.fusion import StageMatch, anchor_chain
from fpgaforge.units.mvau.match import OPS, dense_geometry, tiled_dense
from fpgaforge.units.sparse_gemm.cost import SparseGemm


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A Dense/MatMul with N:M sparse weights and its fused chain."""
    weights = node.quant.weights
    if node.op not in OPS or weights.kind is not WeightKind.N_M or weights.n_m is None:
        return None
    chain = anchor_chain(node, graph)
    mh, mw, vectors = dense_geometry(chain)
    n, m = weights.n_m
    stream = SparseGemm(
        mh=mh, mw=mw, vectors=vectors, n=n, m=m, epilogue=chain.epilogue, **chain.widths()
    )
    return StageMatch(chain.nodes, stream, tiled_dense(chain))
