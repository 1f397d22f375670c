"""Code widths of the Mamba-2 decode step: the largest magnitude every value of the hardware
part can reach, derived from the integer semantics of its ops (`fpgaforge/ir/ops/intssm.py`)
and their attributes (the saturations `bits`, `out_bits`, `act_bits`, `ssm_bits`,
`state_bits`, the shifts and the constant tables), and the accumulator widths the kernels
need.

The bounds hold for every input the boundary can produce and every state a previous token
can leave (a state's bound is the bound of what its op writes into it), so the widths are
exact storage for every token, not only for the test vectors. All sizes are Python
integers (no overflow); a width is the signed two's complement width of a magnitude.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from fpgaforge.hls.errors import HlsUnsupportedError
from fpgaforge.ir.node import Node
from fpgaforge.numerics.pot import MAX_SHIFT
from fpgaforge.quant.lightmamba.decode import DecodeSplit

MAX_WIDTH = 64
"""The widest code the kernels compute with (`ff::mamba::code_t`, the emulation's int64)."""


def width(magnitude: int) -> int:
    """Signed bits holding every integer in [-magnitude, magnitude] (at least 2)."""
    return max(2, int(magnitude).bit_length() + 1)


def _max_abs(values) -> int:
    a = np.asarray(values, dtype=np.int64)
    return int(np.abs(a).max()) if a.size else 0


def _shift_round(m: int, s_min: int) -> int:
    """A bound of |shift_round(v, s)| for |v| <= m and every s >= s_min."""
    if s_min > 0:
        return (m >> s_min) + 1
    return m << -s_min


def _pot(m: int, bits: int) -> int:
    """A bound of |pot_fake(v, bits)| for |v| <= m: at most 2^(bits-1) << shift with the
    shift at most MAX_SHIFT and at most bitlen(m) - (bits - 1)."""
    shift = min(MAX_SHIFT, max(0, m.bit_length() - (bits - 1)))
    return (1 << (bits - 1)) << shift


def _act(m: int, a: dict) -> int:
    """A bound of the activation quantizer's output (intssm.quantize_activation)."""
    bits = int(a["act_bits"])
    if bits <= 0:
        return m
    if int(a["act_group"]) > 0:
        return _pot(m, bits)
    return (1 << (bits - 1)) << max(int(a["act_shift"]), 0)


class Bounds:
    """Magnitude bound per value name of the decode step, and the accumulator widths per
    node (`acc[node name]`: kernel config name -> bits)."""

    def __init__(self) -> None:
        self.mag: dict[str, int] = {}
        self.saturated: dict[str, int] = {}  # value -> the bits its op saturates it to
        self.acc: dict[str, dict[str, int]] = {}

    def of(self, node: Node, i: int) -> int:
        name = node.inputs[i].name
        if name not in self.mag:
            raise HlsUnsupportedError(
                f"Node {node.name!r} ({node.op}) reads {name!r} before the decode step computes "
                "it; its code width is unknown."
            )
        return self.mag[name]

    def bits(self, name: str) -> int:
        """The storage width of value `name` (a saturation's own bits when that is less:
        the magnitude 2^(bits-1) is only reached by the negative end)."""
        return min(width(self.mag[name]), self.saturated.get(name, MAX_WIDTH))


def _rmsnorm(b: Bounds, node: Node) -> None:
    a = node.attrs
    rsqrt = np.asarray(node.const_input(1), dtype=np.int64)
    n = node.inputs[0].shape[-1]
    group = int(a["group_size"]) or n
    # |g|^2 <= group * (mean + 1) and mean < (index + 1) << t, so with the shift
    # r_bits + t/2 - frac_out the t cancels: |y| <= sqrt(group * (index + 1)) * r * 2^(frac_out - r_bits) + 1
    scale = int(a["frac_out"]) - int(a["r_bits"])
    top = 0.0
    for index, r in enumerate(rsqrt.tolist()):
        top = max(top, math.sqrt(group * (index + 2)) * abs(r))
    b.mag[node.outputs[0].name] = int(math.ldexp(top, scale)) + 2
    x = b.of(node, 0)
    g = x if len(node.inputs) < 3 else _shift_round(x * b.of(node, 2), int(a["frac_gate"]))
    b.acc[node.name] = {"ACC_BITS": width(g * g * group), "G_BITS": width(g)}


def _linear(b: Bounds, node: Node) -> None:
    a = node.attrs
    q = np.asarray(node.const_input(1), dtype=np.int64)
    m = np.asarray(node.const_input(2), dtype=np.int64)
    k = q.shape[1]
    group = int(a["group"])
    xq = _act(b.of(node, 0), a)
    part = xq * _max_abs(q) * group
    acc = part * _max_abs(m) * (k // group)
    shift = int(a["frac_in"]) - int(a["w_exp"]) - int(a["frac_out"])
    out_bits = int(a["out_bits"])
    b.mag[node.outputs[0].name] = min(1 << (out_bits - 1), _shift_round(acc, shift))
    b.saturated[node.outputs[0].name] = out_bits
    b.acc[node.name] = {"X_BITS": width(xq), "PART_BITS": width(part), "ACC_BITS": width(acc)}


def _conv(b: Bounds, node: Node) -> None:
    a = node.attrs
    q, w_shift, bias = (np.asarray(node.const_input(i), dtype=np.int64) for i in (1, 2, 3))
    xq = _act(b.of(node, 0), a)
    acc = xq * int(np.abs(q).sum(axis=1).max())
    s_min = int(a["frac_in"]) + int(w_shift.min()) - int(a["frac_out"])
    b.mag[node.outputs[0].name] = _shift_round(acc, s_min) + _max_abs(bias)
    b.mag[node.outputs[1].name] = xq  # the window keeps quantized inputs only
    b.mag.setdefault(node.inputs[4].name, xq)
    b.acc[node.name] = {"X_BITS": width(xq), "ACC_BITS": width(acc)}


def _table(b: Bounds, node: Node) -> None:
    a = node.attrs
    top = _max_abs(node.const_input(1))
    if a["above"] == "identity":
        top = max(top, _shift_round(b.of(node, 0), int(a["frac_in"]) - int(a["frac_out"])))
    b.mag[node.outputs[0].name] = top


def _ssm(b: Bounds, node: Node) -> None:
    a = node.attrs
    a_q, a_shift, d_q, d_shift, dt_bias, sp, ex = (
        np.asarray(node.const_input(i), dtype=np.int64) for i in range(5, 12)
    )
    bits, state_bits = int(a["ssm_bits"]), int(a["state_bits"])
    fx, fdts, fbc, fh, fy = (
        int(a[k]) for k in ("frac_x", "frac_dts", "frac_bc", "frac_h", "frac_y")
    )
    u = b.of(node, 1) + _max_abs(dt_bias)
    sp_out = max(_max_abs(sp), _shift_round(u, int(a["frac_dt"]) - fdts))
    dts = _pot(sp_out, bits)
    da = _max_abs(ex)
    xq, bq, cq = (_pot(b.of(node, i), bits) for i in (0, 2, 3))
    s_dim = node.inputs[2].shape[-1]
    h = (1 << (state_bits - 1)) << MAX_SHIFT  # any state a token can leave
    b.mag.setdefault(node.inputs[4].name, h)
    state = b.of(node, 4)
    pre = _shift_round(da * state, int(a["frac_da"])) + _shift_round(
        dts * xq * bq, fdts + fx + fbc - fh
    )
    h = min(h, _pot(pre, state_bits))
    acc = h * cq * s_dim
    skip = _shift_round(_max_abs(d_q) * xq, int(d_shift.min()) + fx - fy)
    b.mag[node.outputs[0].name] = _shift_round(acc, fh + fbc - fy) + skip
    b.mag[node.outputs[1].name] = h
    b.mag[node.inputs[4].name] = h  # the host carries the new state into the next token
    b.acc[node.name] = {
        "DX_BITS": width(dts * xq),
        "PRE_BITS": width(pre),
        "ACC_BITS": width(acc),
    }


def _hadamard(b: Bounds, node: Node) -> None:
    n = node.inputs[0].shape[-1]
    b.mag[node.outputs[0].name] = b.of(node, 0) * n
    b.acc[node.name] = {"T_BITS": width(b.of(node, 0) * n)}


def _add(b: Bounds, node: Node) -> None:
    b.mag[node.outputs[0].name] = b.of(node, 0) + b.of(node, 1)


def _same(b: Bounds, node: Node) -> None:
    for out in node.outputs:
        b.mag[out.name] = b.of(node, 0)
        if node.inputs[0].name in b.saturated:
            b.saturated[out.name] = b.saturated[node.inputs[0].name]


RULES: dict[str, Callable[[Bounds, Node], None]] = {
    "IntRMSNorm": _rmsnorm,
    "IntLinear": _linear,
    "IntConv1d": _conv,
    "IntTable": _table,
    "IntSSMStep": _ssm,
    "Hadamard": _hadamard,
    "Add": _add,
    "Split": _same,
    "Reshape": _same,
}


def decode_bounds(split: DecodeSplit) -> Bounds:
    """The bounds of every value of the hardware part of `split`, from the boundary's
    saturation (`bits` of the FixedQuant) through the nodes in order."""
    b = Bounds()
    bits = int(split.boundary.attrs["bits"])
    b.mag[split.residual_in] = 1 << (bits - 1)
    b.saturated[split.residual_in] = bits
    for node in split.nodes:
        rule = RULES.get(node.op)
        if rule is None:
            raise HlsUnsupportedError(
                f"Node {node.name!r} ({node.op}) has no code-width rule in the HLS decode step; "
                f"it sizes {', '.join(sorted(RULES))}."
            )
        rule(b, node)
    for name, mag in b.mag.items():
        if width(mag) > MAX_WIDTH:
            raise HlsUnsupportedError(
                f"Value {name!r} of the decode step can reach {width(mag)}-bit codes, more than "
                f"the {MAX_WIDTH}-bit arithmetic of the kernels; lower its bits in the quantization."
            )
    return b
