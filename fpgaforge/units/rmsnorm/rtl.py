"""RTL of the rmsnorm kit: the (gated) integer RMSNorm (`ff_rmsnorm`) and the table
activations (`ff_int_table`: SiLU, softplus, exp by table) of a Mamba-2 decode step.

`rmsnorm_unit` and `table_unit` give the module parameters and ROM images of one IntRMSNorm
or IntTable node for the decode-step top (`fpgaforge/rtl/mamba.py`); the units run only
there (no streaming schedule has them), so `build` says so in one sentence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.errors import RtlUnsupportedError
from fpgaforge.units.netlist import Planner, take_first
from fpgaforge.units.rom import DecodeUnit, hex_word, signed_bits


def _fail(node: Node, why: str) -> RtlUnsupportedError:
    return RtlUnsupportedError(f"{node.op} node {node.name!r}: {why}.")


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A streaming stage of this kit: not implemented (the units run in the decode step)."""
    take_first(planner, stage, nodes)
    raise planner.fail(stage, "the RMSNorm and table units are built only in a Mamba-2 decode step")


def rmsnorm_out_bits(node: Node) -> int:
    """Signed bits of the RMSNorm's output codes: |y| <= sqrt(group) * 2^frac_out (the rsqrt
    table rounds up by less than one part in 2^(table_bits/2 - 1)), plus sign and margin."""
    n = node.inputs[0].shape[-1]
    group = int(node.attrs["group_size"]) or n
    return int(np.ceil(np.log2(np.sqrt(group)))) + int(node.attrs["frac_out"]) + 3


def rmsnorm_unit(
    node: Node, lanes: int, in_w: int, out_w: int, z_w: int = 0, mem: str = "rms"
) -> DecodeUnit:
    """`ff_rmsnorm` for IntRMSNorm `node`: `lanes` codes per beat, input codes of `in_w` bits
    (the gate codes `z_w` bits when gated), output `out_w` bits; ROM `mem`_rsqrt.hex."""
    a = node.attrs
    n = node.inputs[0].shape[-1]
    if node.inputs[0].size != n:
        raise _fail(node, "the RTL RMSNorm takes one token (a [1, N] vector)")
    group = int(a["group_size"]) or n
    rsqrt = np.asarray(node.const_input(1), np.int64)
    if n % group or group % lanes:
        raise _fail(node, f"its {n} channels in groups of {group} do not split into {lanes} lanes")
    if rsqrt.size != 1 << int(a["table_bits"]) or rsqrt.min() < 0:
        raise _fail(node, "its rsqrt table must hold 2^table_bits non-negative entries")
    gated = len(node.inputs) > 2
    if gated and z_w <= 0:
        raise _fail(node, "a gated RMSNorm needs the width of its gate codes")
    g_w = in_w + z_w - int(a["frac_gate"]) + 1 if gated else in_w
    r_w = max(int(rsqrt.max()).bit_length(), 1)
    name = f"{mem}_rsqrt.hex"
    params: dict[str, int | str] = {
        "LANES": lanes,
        "N": n,
        "GROUP": group,
        "GATED": int(gated),
        "IN_W": in_w,
        "Z_W": max(z_w, 1),
        "G_W": max(g_w, in_w),
        "OUT_W": out_w,
        "FRAC_GATE": int(a["frac_gate"]),
        "EPS": int(a["eps_code"]),
        "TABLE_BITS": int(a["table_bits"]),
        "R_BITS": int(a["r_bits"]),
        "FRAC_OUT": int(a["frac_out"]),
        "R_W": r_w,
        "RSQRT_FILE": name,
    }
    return DecodeUnit("ff_rmsnorm", params, {name: [hex_word([int(v)], r_w) for v in rsqrt]})


def table_out_bits(node: Node, in_w: int) -> int:
    """Signed bits of the table's output codes: its entries, and x at frac_out above it."""
    a = node.attrs
    values = np.asarray(node.const_input(1), np.int64).tolist()
    bits = signed_bits(values)
    if a["above"] == "identity":
        bits = max(bits, in_w + max(int(a["frac_out"]) - int(a["frac_in"]), 0) + 1)
    return bits


def table_unit(node: Node, lanes: int, in_w: int, out_w: int, mem: str = "table") -> DecodeUnit:
    """`ff_int_table` for IntTable `node`: `lanes` codes per beat of `in_w` bits in, `out_w`
    bits out; ROM `mem`.hex."""
    a = node.attrs
    values = np.asarray(node.const_input(1), np.int64)
    if values.ndim != 1 or values.size < 2:
        raise _fail(node, "its table must be a vector of at least two entries")
    tab_w = signed_bits(values.tolist())
    name = f"{mem}.hex"
    params: dict[str, int | str] = {
        "LANES": lanes,
        "IN_W": in_w,
        "OUT_W": out_w,
        "TAB_W": tab_w,
        "SIZE": int(values.size),
        "IDX_W": max(int(values.size - 1).bit_length(), 1),
        "SHIFT_T": int(a["frac_in"]) - int(a["frac_t"]),
        "LO": int(a["lo"]),
        "SHIFT_O": int(a["frac_in"]) - int(a["frac_out"]),
        "IDENTITY": int(a["above"] == "identity"),
        "TABLE_FILE": name,
    }
    return DecodeUnit("ff_int_table", params, {name: [hex_word([int(v)], tab_w) for v in values]})


__all__ = [
    "build",
    "rmsnorm_out_bits",
    "rmsnorm_unit",
    "table_out_bits",
    "table_unit",
]
