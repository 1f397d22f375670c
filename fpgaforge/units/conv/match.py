"""Stages of the sliding-window convolution: a Conv (not depthwise), its epilogue and an
optional fused max pool. A Conv whose weights carry the N:M format gets the N:M MAC array
when its groups of M input channels are whole taps of the window stream (ungrouped, M divides
the input channels); otherwise it stays dense (the dense array computes the same integers)."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.quant_info import WeightKind
from fpgaforge.units.conv.cost import ConvSWU
from fpgaforge.units.fusion import (
    AnchorChain,
    StageMatch,
    anchor_chain,
    is_depthwise,
    spatial_of,
)
from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer

OPS = ("Conv",)


def kernel_rows_cols(anchor: Node) -> tuple[tuple[int, ...], int, int]:
    """(kernel shape, rows, columns) of a convolution's weight; N-D kernels fold into rows."""
    w = anchor.inputs[1]
    kernel = tuple(int(k) for k in w.shape[2:]) or (1,)
    kh = int(np.prod(kernel[:-1])) if len(kernel) > 1 else 1
    return kernel, kh, int(kernel[-1])


def tiled_conv(chain: AnchorChain, batch: int) -> TiledGemmLayer:
    """The convolution as its implicit im2col GEMM on the shared tiled engine."""
    anchor = chain.anchor
    group = int(anchor.attrs.get("group", 1))
    cin, cout = int(chain.x.shape[1]), int(anchor.inputs[1].shape[0])
    out_h, out_w = spatial_of(chain.y)
    _, kh, kw = kernel_rows_cols(anchor)
    return TiledGemmLayer(
        m=out_h * out_w * batch,
        k=(cin // group) * kh * kw,
        n=cout // group,
        groups=group,
        in_elements=chain.x.size,
        out_elements=chain.last.size,
        **chain.widths(),
    )


def sparse_pattern(node: Node, cin: int) -> tuple[int, int]:
    """(n, m) of a Conv the N:M MAC array runs, (0, 0) for the dense one: N:M weights
    (groups of M input channels at each kernel position), one group, M dividing `cin`."""
    fmt = node.quant.weights
    if fmt.kind is not WeightKind.N_M or fmt.n_m is None:
        return 0, 0
    n, m = fmt.n_m
    if int(node.attrs.get("group", 1)) != 1 or cin % m:
        return 0, 0
    return n, m


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A Conv with its fused chain on a line buffer + MVAU."""
    if node.op not in OPS or is_depthwise(node):
        return None
    chain = anchor_chain(node, graph)
    pool = chain.pool
    _, kh, kw = kernel_rows_cols(node)
    in_h, in_w = spatial_of(chain.x)
    out_h, out_w = spatial_of(chain.y)
    pool_k = int(pool.attrs["kernel"][0]) if pool is not None else 0
    ph, pw = spatial_of(pool.outputs[0]) if pool is not None else (0, 0)
    n, m = sparse_pattern(node, int(chain.x.shape[1]))
    stream = ConvSWU(
        cin=int(chain.x.shape[1]),
        cout=int(node.inputs[1].shape[0]),
        in_h=in_h,
        in_w=in_w,
        kh=kh,
        kw=kw,
        out_h=out_h,
        out_w=out_w,
        groups=int(node.attrs.get("group", 1)),
        batch=batch,
        shift_add=chain.precision.shift_add,
        k_hot=chain.precision.k_hot,
        pool_k=pool_k,
        pool_out_h=ph,
        pool_out_w=pw,
        epilogue=chain.epilogue,
        n=n,
        m=m,
        **chain.widths(),
    )
    return StageMatch(chain.nodes, stream, tiled_conv(chain, batch))
