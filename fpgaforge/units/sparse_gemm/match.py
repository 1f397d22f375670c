"""Stages of the N:M sparse MVAU: a Dense or MatMul whose weights carry an N:M pattern."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.fusion import StageMatch, anchor_chain
from fpgaforge.units.mvau.match import OPS, dense_geometry, tiled_dense
from fpgaforge.units.sparse_gemm.cost import SparseGemm


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A Dense/MatMul with N:M sparse weights and its fused chain."""
    if node.op not in OPS or not node.annotations.get("nm_sparsity"):
        return None
    chain = anchor_chain(node, graph)
    mh, mw, vectors = dense_geometry(chain)
    n, m = (int(v) for v in node.annotations["nm_sparsity"])
    stream = SparseGemm(
        mh=mh, mw=mw, vectors=vectors, n=n, m=m, epilogue=chain.epilogue, **chain.widths()
    )
    return StageMatch(chain.nodes, stream, tiled_dense(chain))
