"""HLS kernel calls of activations (`activation.h`): relu, clip by codes, or a lookup table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units import layout
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each, signed_bits


def activation(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::relu`, `ff::clip` (the quantizer's clip codes) or `ff::lut` (its table)."""
    x, out = node.inputs[0], node.outputs[0]
    func = node.attrs["func"]
    types = {"in_t": ctx.ctype(x), "out_t": ctx.ctype(out)}
    consts = {"N": layout.frame_size(x.shape)}
    if func == "relu":
        ctx.add(node, "activation.h", "ff::relu", types, consts, [x], [out])
    elif func == "clip" and node.quant.clip_codes is not None:
        lo, hi = node.quant.clip_codes
        consts |= {"LO": int(lo), "HI": int(hi)}
        ctx.add(node, "activation.h", "ff::clip", types, consts, [x], [out])
    elif node.quant.table is not None:
        table = node.quant.table
        values = np.asarray(table.values)
        idx_w = layout.code_width(ctx.dtype(x)) + signed_bits(np.asarray([table.offset])) + 2
        types["index_t"] = f"ap_int<{idx_w}>"
        consts |= {"OFFSET": int(table.offset), "SHIFT": int(table.shift), "SIZE": len(values)}
        tables = [ctx.table(node, "table", ctx.ctype(out), values)]
        ctx.add(node, "activation.h", "ff::lut", types, consts, [x], [out], tables)
    else:
        raise ctx.fail(
            node, f"activation {func!r} has no integer form (no clip codes or lookup table)"
        )


OPS = {"Activation": activation}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    lower_each(ctx, stage, nodes)
