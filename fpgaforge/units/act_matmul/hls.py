"""HLS kernel call of the activation MatMul (`act_matmul.h`, `ff::act_matmul`).

The kernel stores both operands in their stream order; Python finds, for each output in
the output's stream order, where its row of `a` and its column of `b` start in those
buffers and the constant stride of the reduction axis in each (from `layout.position`),
so the batch of matrices and the channel-last layout of rank-4 tensors need no movement.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.ir.node import Node
from fpgaforge.units import layout
from fpgaforge.units.act_matmul.geometry import Strided, operand_bases
from fpgaforge.units.hls_call import HlsContext, Stage, lower_each


def act_matmul(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::act_matmul` of two streamed operands of rank ≥ 2."""
    a, b = node.inputs[0], node.inputs[1]
    out = node.outputs[0]
    if a.is_constant or b.is_constant or a.rank < 2 or b.rank < 2:
        raise ctx.fail(node, "only a MatMul of two activations of rank 2 or more has this kernel")
    try:
        a_base, a_step, b_base, b_step = operand_bases(a.shape, b.shape, out.shape)
    except Strided:
        raise ctx.fail(
            node, "an operand's reduction axis has no constant stride in its stream order"
        ) from None
    types = {
        "a_t": ctx.ctype(a),
        "b_t": ctx.ctype(b),
        "acc_t": ctx.ctype(out),
        "out_t": ctx.ctype(out),
    }
    consts = {
        "NA": layout.frame_size(a.shape),
        "NB": layout.frame_size(b.shape),
        "OUT": layout.frame_size(out.shape),
        "K": int(a.shape[-1]),
        "A_STEP": a_step,
        "B_STEP": b_step,
    }
    tables = [ctx.table(node, "a_base", "int", a_base), ctx.table(node, "b_base", "int", b_base)]
    ctx.add(node, "act_matmul.h", "ff::act_matmul", types, consts, [a, b], [out], tables)


OPS: dict = {}
"""No op-wide emitter: a MatMul by a constant belongs to the MAC array (mvau); this kit's
stages call `act_matmul` themselves."""


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The product, then one call per further node of the stage (by the kits owning them)."""
    first, *rest = nodes
    act_matmul(ctx, stage, first)
    lower_each(ctx, stage, rest)
