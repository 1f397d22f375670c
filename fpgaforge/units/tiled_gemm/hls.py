"""HLS kernel calls of the tiled style (`tiled_gemm.h`): GEMM layers on the shared array,
their weights in the m_axi weight memory; everything else on the streaming kernels.

A `tiled_gemm` stage is a Dense, MatMul or Conv (grouped ones too) and its fused epilogue;
a `tiled_vector` stage is any other node, or a depthwise stage (a grouped Conv still runs
on the array). The epilogue and the vector nodes are emitted by the kits that own them.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.ir.node import Node
from fpgaforge.units.act_matmul.hls import act_matmul
from fpgaforge.units.conv.hls import operands as conv_operands
from fpgaforge.units.hls_call import HlsContext, Stage, lower_fused
from fpgaforge.units.mvau.hls import linear


def _columns(stage: Stage) -> dict[str, int]:
    return {"COLS_SIMD": max(1, int(stage.folding.get("cols", 1)))}


def tiled_dense(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::tiled_dense`: a Dense or MatMul by a constant, TILE output columns at a time."""
    lin = linear(ctx, node)
    n_out, k = lin.weight.shape
    types = lin.types(ctx, node)
    tile = max(1, min(int(stage.folding.get("m_tile", 64)), n_out))
    consts = {
        "N_OUT": n_out,
        "K": k,
        "ROWS": lin.rows,
        "TILE": tile,
        "W_OFFSET": ctx.to_wmem(lin.weight),
        **_columns(stage),
    }
    ctx.add(
        node,
        "tiled_gemm.h",
        "ff::tiled_dense",
        types,
        consts,
        [lin.x],
        [lin.out],
        [lin.bias],
        uses_wmem=True,
    )


def tiled_conv(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::tiled_conv`: a (grouped) convolution as im2col × weights on the array."""
    c = conv_operands(ctx, node)
    m, cpg, kh, kw = c.weight.shape
    tile = max(1, min(int(stage.folding.get("m_tile", 64)), m))
    consts = c.consts | {
        "K": cpg * kh * kw,
        "TILE": tile,
        "W_OFFSET": ctx.to_wmem(c.weight),
        **_columns(stage),
    }
    ctx.add(
        node,
        "tiled_gemm.h",
        "ff::tiled_conv",
        c.types,
        consts,
        [c.x],
        [c.out],
        [c.bias],
        uses_wmem=True,
    )


def matmul(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """A MatMul by a constant on the array; one of two activations (attention) as the
    streaming `ff::act_matmul` (the act_matmul kit's call)."""
    b = node.inputs[1]
    if b is not None and not b.is_constant:
        act_matmul(ctx, stage, node)
    else:
        tiled_dense(ctx, stage, node)


GEMM = {"Dense": tiled_dense, "MatMul": matmul, "Conv": tiled_conv}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """A GEMM anchor on the array, then one streaming call per fused node (both stage kinds)."""
    lower_fused(ctx, stage, nodes, GEMM)
