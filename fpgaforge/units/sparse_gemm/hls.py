"""HLS lowering of an N:M sparse dense stage: the HLS library has no sparse kernel, so the
MAC array's `dense.h` runs it with the pruned weights stored as zeros."""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage
from fpgaforge.units.mvau import hls as mvau


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """As the MAC array: its call, then one call per fused epilogue node."""
    mvau.lower(ctx, stage, nodes)
