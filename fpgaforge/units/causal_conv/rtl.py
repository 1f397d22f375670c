"""RTL of the causal_conv kit: the depthwise causal conv1d decode step with its window state
(`ff_causal_conv`).

`conv_unit` gives the module parameters and ROM images (tap codes, per-channel shifts, bias
codes) of one IntConv1d node for the decode-step top (`fpgaforge/rtl/mamba.py`); the unit
runs only there, so `build` says so in one sentence.
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
    """A streaming stage of this kit: not implemented (the unit runs in the decode step)."""
    take_first(planner, stage, nodes)
    raise planner.fail(stage, "the causal conv1d unit is built only in a Mamba-2 decode step")


def state_bits(node: Node, in_w: int) -> int:
    """Signed bits of the quantized inputs the state keeps: a power-of-two code rounds |x| up
    to at most 2^in_w (two bits over the input); without a quantizer the input itself."""
    return in_w + 2 if int(node.attrs["act_bits"]) > 0 else in_w


def conv_out_bits(node: Node, in_w: int) -> int:
    """Signed bits of the conv1d's output codes (the largest sum of products, shifted by the
    smallest shift, plus the largest bias)."""
    q, shift, bias = (np.asarray(node.const_input(i), np.int64) for i in (1, 2, 3))
    k = q.shape[1]
    acc = (1 << (state_bits(node, in_w) - 1)) * int(np.abs(q).sum(axis=1).max())
    s = int(node.attrs["frac_in"]) - int(node.attrs["frac_out"]) + int(shift.min())
    top = acc >> s if s > 0 else acc << -s
    return max(int(top + 1 + np.abs(bias).max()).bit_length() + 1, k)


def conv_unit(node: Node, lanes: int, in_w: int, out_w: int, mem: str = "conv") -> DecodeUnit:
    """`ff_causal_conv` for IntConv1d `node`: `lanes` channels per beat, input codes of `in_w`
    bits, output `out_w` bits; ROMs `mem`_q.hex, `mem`_shift.hex, `mem`_bias.hex."""
    a = node.attrs
    q, shift, bias = (np.asarray(node.const_input(i), np.int64) for i in (1, 2, 3))
    ch, k = q.shape
    group = int(a["act_group"])
    if node.inputs[0].shape != (1, ch) or ch % lanes:
        raise _fail(node, f"the RTL conv1d takes one token of {ch} channels in {lanes} lanes")
    if int(a["act_bits"]) > 0 and group > 0 and lanes % group:
        raise _fail(node, f"its {lanes} lanes must hold whole quantizer groups of {group}")
    q_w, sh_w, b_w = (signed_bits(v.ravel().tolist()) for v in (q, shift, bias))
    beats = ch // lanes
    names = {r: f"{mem}_{r}.hex" for r in ("q", "shift", "bias")}
    rows = range(beats)
    mems = {
        names["q"]: [hex_word(q[b * lanes : (b + 1) * lanes].ravel().tolist(), q_w) for b in rows],
        names["shift"]: [hex_word(shift[b * lanes : (b + 1) * lanes].tolist(), sh_w) for b in rows],
        names["bias"]: [hex_word(bias[b * lanes : (b + 1) * lanes].tolist(), b_w) for b in rows],
    }
    params: dict[str, int | str] = {
        "LANES": lanes,
        "BEATS": beats,
        "K": k,
        "IN_W": in_w,
        "XQ_W": state_bits(node, in_w),
        "OUT_W": out_w,
        "Q_W": q_w,
        "SH_W": sh_w,
        "B_W": b_w,
        "ACT_BITS": int(a["act_bits"]),
        "ACT_GROUP": group,
        "ACT_SHIFT": int(a["act_shift"]),
        "SHIFT_C": int(a["frac_in"]) - int(a["frac_out"]),
        "Q_FILE": names["q"],
        "SH_FILE": names["shift"],
        "B_FILE": names["bias"],
    }
    return DecodeUnit("ff_causal_conv", params, mems)


__all__ = ["build", "conv_out_bits", "conv_unit", "state_bits"]
