"""HLS kernel call of the N:M sparse MAC array (`sparse_dense.h`): a Dense, or a MatMul by a
constant, whose weights carry the N:M format; the weights are stored compressed (values and
indices, `numerics.nm.compress` along the input axis)."""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.errors import SparsityError
from fpgaforge.ir.node import Node
from fpgaforge.numerics import nm
from fpgaforge.units.hls_call import HlsContext, Stage, largest_divisor, lower_fused
from fpgaforge.units.mvau.hls import linear


def sparse_dense(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::sparse_dense`: PE from the stage's folding, SIMD a multiple of M dividing the input."""
    fmt = node.quant.weights
    if fmt.n_m is None:
        raise ctx.fail(node, "its weights carry no N:M format")
    pattern = nm.NMPattern(*fmt.n_m)
    lin = linear(ctx, node)
    n_out, k = lin.weight.shape
    try:
        values, indices = nm.compress(lin.weight, pattern, axis=1, what=f"Layer {node.name!r}")
    except SparsityError as e:
        raise ctx.fail(node, str(e).rstrip(".")) from None
    types = lin.types(ctx, node)
    pe = largest_divisor(n_out, stage.folding.get("pe", 1))
    groups = largest_divisor(k // pattern.m, max(1, stage.folding.get("simd", 1) // pattern.m))
    simd = groups * pattern.m
    nz = groups * pattern.n
    vt = ctx.table(node, "weight", types["weight_t"], values, partition=pe * nz)
    it = ctx.table(node, "index", f"ap_uint<{pattern.index_bits}>", indices, partition=pe * nz)
    consts = {
        "N_IN": k,
        "N_OUT": n_out,
        "ROWS": lin.rows,
        "PE": pe,
        "SIMD": simd,
        "N": pattern.n,
        "M": pattern.m,
    }
    ctx.add(
        node,
        "sparse_dense.h",
        "ff::sparse_dense",
        types,
        consts,
        [lin.x],
        [lin.out],
        [vt, it, lin.bias],
    )


ANCHORS = {"Dense": sparse_dense, "MatMul": sparse_dense}
"""The stage anchors this kit lowers (the ops themselves are emitted by the mvau kit elsewhere)."""


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The sparse MAC array's call, then one call per fused epilogue node."""
    lower_fused(ctx, stage, nodes, ANCHORS)
