"""Stages of the MVAU: a Dense or MatMul (activation × constant) with its fused epilogue."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.fusion import AnchorChain, StageMatch, anchor_chain
from fpgaforge.units.mvau.cost import MVAU
from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer

OPS = ("Dense", "MatMul")


def dense_geometry(chain: AnchorChain) -> tuple[int, int, int]:
    """(mh outputs, mw inputs, vectors per inference) of a Dense/MatMul anchor."""
    x, y = chain.x, chain.y
    mw = int(x.shape[-1]) if x.shape else 1
    mh = int(y.shape[-1]) if y.shape else 1
    return mh, mw, max(1, y.size // max(mh, 1))


def tiled_dense(chain: AnchorChain) -> TiledGemmLayer:
    """The Dense/MatMul as one GEMM on the shared tiled engine."""
    mh, mw, vectors = dense_geometry(chain)
    return TiledGemmLayer(
        m=vectors,
        k=mw,
        n=mh,
        groups=1,
        in_elements=chain.x.size,
        out_elements=chain.last.size,
        **chain.widths(),
    )


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A Dense/MatMul anchor and its fused chain on a PE × SIMD MVAU."""
    if node.op not in OPS:
        return None
    chain = anchor_chain(node, graph)
    mh, mw, vectors = dense_geometry(chain)
    stream = MVAU(
        mh=mh,
        mw=mw,
        vectors=vectors,
        shift_add=chain.precision.shift_add,
        k_hot=chain.precision.k_hot,
        epilogue=chain.epilogue,
        **chain.widths(),
    )
    return StageMatch(chain.nodes, stream, tiled_dense(chain))
