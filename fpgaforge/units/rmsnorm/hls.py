"""HLS kernel calls of the (gated) integer RMSNorm and the table activations of the
Mamba-2 decode step (`rmsnorm.h`: `ff::mamba::rmsnorm`; `mamba.h`: `ff::mamba::table`;
`DECODE_OPS`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage, table_ctype


def rmsnorm(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::rmsnorm`: IntRMSNorm of one token, gated when it has a third input."""
    x, out = node.inputs[0], node.outputs[0]
    gate = node.inputs[2] if len(node.inputs) > 2 else None
    rsqrt = np.asarray(node.const_input(1))
    a = node.attrs
    n = x.shape[-1]
    group = int(a["group_size"]) or n
    if x.size != n or n % group or rsqrt.size != 1 << int(a["table_bits"]):
        raise ctx.fail(
            node, "the decode-step RMSNorm takes one token and a 2^table_bits rsqrt table"
        )
    consts = {
        "N": n,
        "GROUP": group,
        "GATED": int(gate is not None),
        "FRAC_GATE": int(a["frac_gate"]),
        "EPS": int(a["eps_code"]),
        "TABLE_BITS": int(a["table_bits"]),
        "R_BITS": int(a["r_bits"]),
        "FRAC_OUT": int(a["frac_out"]),
        "TABLE_SIZE": int(rsqrt.size),
    }
    table = ctx.table(node, "rsqrt", table_ctype(rsqrt), rsqrt)
    inputs = [x, gate if gate is not None else x]  # ungated: the kernel ignores the gate
    ctx.add(node, "rmsnorm.h", "ff::mamba::rmsnorm", {}, consts, inputs, [out], [table])


def table(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::table`: IntTable (SiLU, softplus, exp) elementwise."""
    x, out = node.inputs[0], node.outputs[0]
    values = np.asarray(node.const_input(1))
    a = node.attrs
    consts = {
        "N": x.size,
        "SIZE": int(values.size),
        "FRAC_IN": int(a["frac_in"]),
        "FRAC_T": int(a["frac_t"]),
        "LO": int(a["lo"]),
        "FRAC_OUT": int(a["frac_out"]),
        "IDENTITY": int(a["above"] == "identity"),
    }
    entries = ctx.table(node, "table", table_ctype(values), values)
    ctx.add(node, "mamba.h", "ff::mamba::table", {}, consts, [x], [out], [entries])


DECODE_OPS = {"IntRMSNorm": rmsnorm, "IntTable": table}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The unit runs only in the decode step (no streaming or tiled schedule has it)."""
    raise ctx.fail(nodes[0], "the integer RMSNorm is built only as part of a Mamba-2 decode step")
