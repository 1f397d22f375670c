"""HLS lowering of softmax / normalization stages.

The kernels (`softmax.h`, `layernorm.h`) exist and are tested against the Python models in
`fpgaforge/hls/tables.py`, but the quantizer emits no integer Softmax or LayerNorm node yet,
so no emitter is registered: such a stage is refused, naming its node.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each

OPS: dict = {}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)
