"""HLS kernel call of the streaming MAC array (`dense.h`): Dense, and MatMul by a constant.

`linear` reads a dense node's operands once; the tiled GEMM engine (`units/tiled_gemm/hls.py`)
uses it too, with its own kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.units import layout
from fpgaforge.units.hls_call import (
    HlsContext,
    Stage,
    Table,
    bias_table,
    largest_divisor,
    lower_fused,
)


@dataclass(frozen=True)
class Linear:
    """A dense node's operands: activation `x`, weight (n_out × k), bias table, output, and
    `rows` (vectors of k per frame)."""

    x: Value
    weight: np.ndarray
    bias: Table
    out: Value
    rows: int

    def types(self, ctx: HlsContext, node: Node) -> dict[str, str]:
        return {
            "in_t": ctx.ctype(self.x),
            "weight_t": ctx.ctype(node.inputs[1]),
            "bias_t": self.bias.ctype,
            "acc_t": ctx.ctype(self.out),
        }


def linear(ctx: HlsContext, node: Node) -> Linear:
    """The operands of a Dense node, or of a MatMul by a constant 2-D matrix (zero bias)."""
    if node.op == "MatMul":
        a, b, out = node.inputs[0], node.inputs[1], node.outputs[0]
        if b is None or not b.is_constant or np.ndim(b.const) != 2 or a.rank >= 4:
            raise ctx.fail(node, "only activation × constant 2-D matrix is supported")
        weight = np.asarray(b.const).T
        return Linear(
            a,
            weight,
            ctx.table(node, "bias", ctx.ctype(out), np.zeros(weight.shape[0], np.int64)),
            out,
            layout.frame_size(a.shape) // weight.shape[1],
        )
    x, w, out = node.inputs[0], node.inputs[1], node.outputs[0]
    if w is None or not w.is_constant:
        raise ctx.fail(node, "the weight must be a constant")
    if x.rank >= 4:
        raise ctx.fail(node, "Dense on a rank-4 input is not supported; flatten first")
    weight = np.asarray(w.const)
    n_out, k = weight.shape
    return Linear(
        x, weight, bias_table(ctx, node, 2, n_out, out), out, layout.frame_size(x.shape) // k
    )


def dense(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::dense`: PE × SIMD from the stage's folding (largest divisors of the matrix)."""
    lin = linear(ctx, node)
    n_out, k = lin.weight.shape
    types = lin.types(ctx, node)
    pe = largest_divisor(n_out, stage.folding.get("pe", 1))
    simd = largest_divisor(k, stage.folding.get("simd", 1))
    wt = ctx.table(node, "weight", types["weight_t"], lin.weight, partition=pe * simd)
    consts = {"N_IN": k, "N_OUT": n_out, "ROWS": lin.rows, "PE": pe, "SIMD": simd}
    ctx.add(node, "dense.h", "ff::dense", types, consts, [lin.x], [lin.out], [wt, lin.bias])


OPS = {"Dense": dense, "MatMul": dense}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The MAC array's call, then one call per fused epilogue node."""
    lower_fused(ctx, stage, nodes, OPS)
