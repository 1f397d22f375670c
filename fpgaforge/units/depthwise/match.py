"""Stages of the depthwise unit: a DepthwiseConv (or Conv with a group per channel) and its
fused epilogue, on a line buffer + vector-vector unit."""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.conv.match import kernel_rows_cols
from fpgaforge.units.depthwise.cost import DepthwiseVVAU
from fpgaforge.units.fusion import (
    StageMatch,
    anchor_chain,
    is_depthwise,
    spatial_of,
    window_geometry,
)
from fpgaforge.units.tiled_gemm.cost import TiledVectorLayer

OPS = ("DepthwiseConv", "Conv")


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """A depthwise convolution with its fused chain."""
    if not is_depthwise(node):
        return None
    chain = anchor_chain(node, graph)
    cin, cout = int(chain.x.shape[1]), int(node.inputs[1].shape[0])
    kernel, kh, kw = kernel_rows_cols(node)
    in_h, in_w = spatial_of(chain.x)
    out_h, out_w = spatial_of(chain.y)
    stream = DepthwiseVVAU(
        channels=cin,
        multiplier=cout // cin,
        in_h=in_h,
        in_w=in_w,
        kh=kh,
        kw=kw,
        out_h=out_h,
        out_w=out_w,
        batch=batch,
        shift_add=chain.precision.shift_add,
        k_hot=chain.precision.k_hot,
        epilogue=chain.epilogue,
        **window_geometry(node, len(kernel)),
        **chain.widths(),
    )
    macs = cout * kh * kw * out_h * out_w * batch
    tiled = TiledVectorLayer(
        op="depthwise",
        ops=macs,
        in_elements=chain.x.size,
        out_elements=chain.last.size,
        bits=max(chain.precision.act_bits, chain.precision.weight_bits),
        macs_=macs,
    )
    return StageMatch(chain.nodes, stream, tiled)
