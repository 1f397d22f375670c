"""HLS kernel call of the selective-SSM decode step (`ssm_step.h`: `ff::mamba::ssm_step`,
`DECODE_OPS`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.hls_call import HlsContext, Stage, table_ctype

CONSTANTS = ("a_q", "a_shift", "d_q", "d_shift", "dt_bias", "softplus", "exp")
"""IntSSMStep inputs 5..11, the kernel's tables in this order."""


def ssm_step(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """`ff::mamba::ssm_step`: IntSSMStep on one token, the state in and out."""
    x, dt, b, c, state = node.inputs[:5]
    y, new_state = node.outputs
    if x.rank != 3 or x.shape[0] != 1 or b.rank != 3 or state.rank != 4:
        raise ctx.fail(node, "the decode-step SSM takes one token: x [1,H,P], B/C [1,G,S]")
    _, heads, headdim = x.shape
    groups, d_state = b.shape[1], b.shape[2]
    a = node.attrs
    names = ("frac_x", "frac_dt", "frac_bc", "frac_h", "frac_y", "frac_dts", "frac_da",
             "frac_te", "frac_tsp", "lo_sp", "lo_e")  # fmt: skip
    values = [np.asarray(node.const_input(i)) for i in range(5, 12)]
    consts = {"H": heads, "P": headdim, "G": groups, "S": d_state, "GROUP": int(a["group"]),
              "SSM_BITS": int(a["ssm_bits"]), "STATE_BITS": int(a["state_bits"]),
              **{k.upper(): int(a[k]) for k in names},
              "SP_SIZE": int(values[5].size), "E_SIZE": int(values[6].size)}  # fmt: skip
    tables = [
        ctx.table(node, role, table_ctype(v), v) for role, v in zip(CONSTANTS, values, strict=True)
    ]
    ctx.add(node, "ssm_step.h", "ff::mamba::ssm_step", {}, consts, [x, dt, b, c, state],
            [y, new_state], tables)  # fmt: skip


DECODE_OPS = {"IntSSMStep": ssm_step}


def lower(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """The unit runs only in the decode step (no streaming or tiled schedule has it)."""
    raise ctx.fail(nodes[0], "the SSM step is built only as part of a Mamba-2 decode step")
