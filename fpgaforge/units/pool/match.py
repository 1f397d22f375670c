"""Stages of the pooling unit: Pool and GlobalPool (not fused behind a Conv)."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.units.cost.precision import value_bits
from fpgaforge.units.fusion import StageMatch, first_activation, spatial_of, vector_layer
from fpgaforge.units.pool.cost import Pool

OPS = ("Pool", "GlobalPool")


def match(node: Node, graph: Graph, batch: int) -> StageMatch | None:
    """One pooling node."""
    if node.op not in OPS:
        return None
    x, y = first_activation(node), node.outputs[0]
    in_h, in_w = spatial_of(x)
    out_h, out_w = spatial_of(y)
    is_global = node.op == "GlobalPool"
    kernel = (in_h, in_w) if is_global else tuple(node.attrs["kernel"])
    kh = int(np.prod(kernel[:-1])) if len(kernel) > 1 else 1
    kw = int(kernel[-1])
    stream = Pool(
        channels=int(x.shape[1]),
        in_h=in_h,
        in_w=in_w,
        kh=kh,
        kw=kw,
        out_h=out_h,
        out_w=out_w,
        batch=batch,
        bits=value_bits(x).bits,
        pool_kind=node.attrs.get("kind", "max"),
        is_global=is_global,
    )
    return StageMatch((node,), stream, vector_layer(node, max(x.size, y.size * kh * kw)))
