"""HLS kernel call of the mixed Hadamard transform K * 2^k (`hadamard.h`:
`ff::mamba::hadamard`, `DECODE_OPS`)."""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.ir.node import Node
from fpgaforge.numerics import hadamard as hd
from fpgaforge.units.hls_call import HlsContext, Stage


def transform(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::hadamard`: the unnormalized transform of one token's vector."""
    x, out = node.inputs[0], node.outputs[0]
    n = x.shape[-1]
    parts = hd.decompose(n)
    if parts is None or x.size != n or node.attrs.get("normalized"):
        raise ctx.fail(
            node, f"the decode step takes one unnormalized vector of size K * 2^k, not {x.shape}"
        )
    kb, p = parts
    base = ctx.table(node, "base", "ap_int<2>", hd.base_matrix(kb))
    consts = {"N": n, "KB": kb, "P": p}
    ctx.add(node, "hadamard.h", "ff::mamba::hadamard", {}, consts, [x], [out], [base])


DECODE_OPS = {"Hadamard": transform}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The unit runs only in the decode step (no streaming or tiled schedule has it)."""
    raise ctx.fail(
        nodes[0], "the Hadamard transform is built only as part of a Mamba-2 decode step"
    )
