"""HLS kernel call of the W4A4 power-of-two GEMV (`pot_gemv.h`: `ff::mamba::linear`), the one
engine of in_proj and out_proj in the Mamba-2 decode step (`DECODE_OPS`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage, table_ctype

HEADER = "pot_gemv.h"


def two_shifts(m: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(s1, s2) with m = 2^s1 + 2^s2 and s1 >= s2 >= 0 elementwise, or None when some
    multiplier is not such a sum."""
    m = np.asarray(m, dtype=np.int64)
    if m.size and int(m.min()) < 2:
        return None
    high = np.frexp(m.astype(np.float64))[1] - 1  # floor(log2 m), exact below 2^53
    rest = m - (np.int64(1) << high)
    s1 = np.where(rest == 0, high - 1, high)
    rest = np.where(rest == 0, np.int64(1) << np.maximum(high - 1, 0), rest)
    s2 = np.frexp(rest.astype(np.float64))[1] - 1
    if not np.array_equal((np.int64(1) << s1) + (np.int64(1) << s2), m):
        return None
    return s1.astype(np.int64), s2.astype(np.int64)


def linear(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::linear`: IntLinear on one token (weight codes and two shifts per group);
    `ff::mamba::linear_scaled` when a multiplier is not two shifts (the baselines)."""
    x, out = node.inputs[0], node.outputs[0]
    q, m = np.asarray(node.const_input(1)), np.asarray(node.const_input(2))
    a = node.attrs
    n, k = q.shape
    group = int(a["group"])
    if x.shape != (1, k) or k % group or m.shape != (n, k // group):
        raise ctx.fail(node, "the decode-step GEMV takes one token [1, K] and K/group multipliers")
    shifts = two_shifts(m)
    consts = {
        "N": n,
        "K": k,
        "GROUP": group,
        "SHIFT": int(a["frac_in"]) - int(a["w_exp"]) - int(a["frac_out"]),
        "OUT_BITS": int(a["out_bits"]),
        "ACT_BITS": int(a["act_bits"]),
        "ACT_GROUP": int(a["act_group"]),
        "ACT_SHIFT": int(a["act_shift"]),
    }
    codes = ctx.table(node, "q", table_ctype(q), q)
    if shifts is None:  # a baseline's per-row or per-tensor multiplier: one product per group
        mult = ctx.table(node, "m", table_ctype(m), m)
        ctx.add(node, HEADER, "ff::mamba::linear_scaled", {}, consts, [x], [out], [codes, mult])
        return
    s1, s2 = shifts
    tables = [
        codes,
        ctx.table(node, "s1", table_ctype(s1), s1),
        ctx.table(node, "s2", table_ctype(s2), s2),
    ]
    ctx.add(node, HEADER, "ff::mamba::linear", {}, consts, [x], [out], tables)


DECODE_OPS = {"IntLinear": linear}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The unit runs only in the decode step (no streaming or tiled schedule has it)."""
    raise ctx.fail(nodes[0], "the W4A4 GEMV is built only as part of a Mamba-2 decode step")
