"""HLS kernel call of the clip unit: `ff::clip` of `activation.h`, emitted by the owner of
the Activation op (the table unit's emitter knows the clip codes)."""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The stage's clip node."""
    lower_each(ctx, stage, nodes)
