"""Integer ops of the LightMamba quantization: every tensor is int64 fixed-point codes
with a static number of fractional bits (attributes `frac_*`), and every requantization
is a shift rounded half up (`fpgaforge.numerics.pot`). These ops are exact on integers:
their `compute` is their integer semantics. `fpgaforge.quant.lightmamba` builds them;
docs/mamba.md writes each one out.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register
from fpgaforge.numerics.pot import bitlen, pot_fake, saturate, shift_round, static_fake

I64 = np.dtype(np.int64)


def quantize_activation(x: np.ndarray, attrs: dict) -> np.ndarray:
    """The activation quantizer of a linear or SSM input: dynamic per-group power of two
    (`act_group` > 0) or one static shift (`act_group` == 0)."""
    bits = int(attrs["act_bits"])
    if bits <= 0:
        return np.asarray(x, np.int64)
    if int(attrs["act_group"]) > 0:
        return pot_fake(x, bits, int(attrs["act_group"]))
    return static_fake(x, bits, int(attrs["act_shift"]))


class _IntOp(OpDef):
    traits: frozenset[Trait] = frozenset()
    integer_exact = True


@register
class FixedQuant(_IntOp):
    name = "FixedQuant"
    attrs = {"frac": REQUIRED, "bits": 32}
    doc = "Real to fixed-point codes: saturate(floor(x * 2^frac + 1/2), bits)."

    def infer(self, node: Node) -> list[TensorType]:
        return [(node.inputs[0].shape, I64)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        scaled = np.floor(np.asarray(x, np.float64) * 2.0 ** int(node.attrs["frac"]) + 0.5)
        return [saturate(scaled.astype(np.int64), int(node.attrs["bits"]))]


@register
class FixedDequant(_IntOp):
    name = "FixedDequant"
    attrs = {"frac": REQUIRED}
    doc = "Fixed-point codes to real values: codes * 2^-frac (float32)."

    def infer(self, node: Node) -> list[TensorType]:
        return [(node.inputs[0].shape, np.dtype(np.float32))]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        return [(np.asarray(x, np.float64) * 2.0 ** -int(node.attrs["frac"])).astype(np.float32)]


@register
class IntLinear(_IntOp):
    name = "IntLinear"
    attrs = {
        "frac_in": REQUIRED,
        "frac_out": REQUIRED,
        "w_exp": REQUIRED,
        "group": REQUIRED,
        "act_bits": 4,
        "act_group": 8,
        "act_shift": 0,
        "out_bits": 32,
    }
    min_inputs, max_inputs = 3, 3
    doc = (
        "y = x W^T on codes: x quantized by the activation quantizer, W = q * m * 2^w_exp with "
        "q [N,K] and an integer multiplier m [N, K/group] per (row, group) (two shifts: "
        "m = 2^s1 + 2^s2); the accumulator shifted to frac_out, rounded half up, saturated."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x, q = node.inputs[0], node.inputs[1]
        return [((*x.shape[:-1], q.shape[0]), I64)]

    def compute(self, node: Node, x, q, m) -> list[np.ndarray]:
        a = node.attrs
        xq = quantize_activation(x, a)
        n, k = q.shape
        g = int(a["group"])
        parts = np.einsum(
            "...gk,ngk->...ng", xq.reshape(*xq.shape[:-1], k // g, g), q.reshape(n, k // g, g)
        )
        acc = (parts * m).sum(axis=-1)
        shift = int(a["frac_in"]) - int(a["w_exp"]) - int(a["frac_out"])
        return [saturate(shift_round(acc, shift), int(a["out_bits"]))]

    def macs(self, node: Node) -> int:
        x, q = node.inputs[0], node.inputs[1]
        return int(np.prod(x.shape[:-1])) * q.shape[0] * q.shape[1]


def table_lookup(x: np.ndarray, table: np.ndarray, attrs: dict) -> np.ndarray:
    """f(x) by table: index = round(x to frac_t) - lo, clamped; above the table
    `above` = 'identity' gives x itself (at frac_out), 'clamp' the last entry."""
    t = shift_round(x, int(attrs["frac_in"]) - int(attrs["frac_t"])) - int(attrs["lo"])
    y = table[np.clip(t, 0, len(table) - 1)]
    if attrs["above"] == "identity":
        same = shift_round(x, int(attrs["frac_in"]) - int(attrs["frac_out"]))
        y = np.where(t >= len(table), same, y)
    return y


@register
class IntTable(_IntOp):
    name = "IntTable"
    attrs = {"frac_in": REQUIRED, "frac_t": REQUIRED, "lo": REQUIRED, "frac_out": REQUIRED,
             "above": "clamp", "func": ""}  # fmt: skip
    min_inputs, max_inputs = 2, 2
    doc = "A function (SiLU, softplus, exp) by table on codes (see `table_lookup`)."

    def infer(self, node: Node) -> list[TensorType]:
        return [(node.inputs[0].shape, I64)]

    def compute(self, node: Node, x, table) -> list[np.ndarray]:
        return [table_lookup(np.asarray(x, np.int64), table, node.attrs)]


def int_rms(x: np.ndarray, rsqrt: np.ndarray, a: dict, gate: np.ndarray | None) -> np.ndarray:
    if gate is not None:
        x = shift_round(x * gate, int(a["frac_gate"]))
    n = x.shape[-1]
    g = int(a["group_size"]) or n
    parts = x.reshape(*x.shape[:-1], n // g, g)
    mean = (parts * parts).sum(axis=-1, keepdims=True) // g + int(a["eps_code"])
    shift = np.maximum(bitlen(mean) - int(a["table_bits"]), 0)
    shift = shift + (shift & 1)
    index = np.right_shift(mean, shift)
    y = shift_round(parts * rsqrt[index], int(a["r_bits"]) + shift // 2 - int(a["frac_out"]))
    return y.reshape(x.shape)


@register
class IntRMSNorm(_IntOp):
    name = "IntRMSNorm"
    attrs = {"frac_in": REQUIRED, "frac_out": REQUIRED, "frac_gate": 0, "eps_code": 0,
             "group_size": 0, "table_bits": 10, "r_bits": 16}  # fmt: skip
    min_inputs, max_inputs = 2, 3
    doc = (
        "RMSNorm on codes (weight folded into the next linear): g = x [* silu(z) codes], "
        "mean = sum(g^2) // n + eps; the shift t (even) brings mean under 2^table_bits; "
        "y = g * rsqrt_table[mean >> t] shifted by r_bits + t/2 - frac_out."
    )

    def infer(self, node: Node) -> list[TensorType]:
        return [(node.inputs[0].shape, I64)]

    def compute(self, node: Node, x, rsqrt, gate=None) -> list[np.ndarray]:
        return [int_rms(np.asarray(x, np.int64), rsqrt, node.attrs, gate)]


@register
class IntConv1d(_IntOp):
    name = "IntConv1d"
    attrs = {"frac_in": REQUIRED, "frac_out": REQUIRED, "act_bits": 8, "act_group": 8,
             "act_shift": 0}  # fmt: skip
    min_inputs, max_inputs = 5, 5
    doc = (
        "Causal depthwise conv1d step on codes: x [N,C] quantized by the activation quantizer "
        "joins the state [N,C,K-1]; y = sum_k window * q [C,K] shifted by frac_in + "
        "w_shift[c] - frac_out, plus bias codes; the new state is the last K-1 columns."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x, state = node.inputs[0], node.inputs[4]
        return [(x.shape, I64), (state.shape, I64)]

    def compute(self, node: Node, x, q, w_shift, bias, state) -> list[np.ndarray]:
        a = node.attrs
        xq = quantize_activation(np.asarray(x, np.int64), a)
        window = np.concatenate([np.asarray(state, np.int64), xq[:, :, None]], axis=2)
        acc = (window * q[None]).sum(axis=2)
        y = shift_round(acc, int(a["frac_in"]) + w_shift - int(a["frac_out"])) + bias
        return [y, window[:, :, 1:]]


@register
class IntSSMStep(_IntOp):
    name = "IntSSMStep"
    attrs = {
        "frac_x": REQUIRED, "frac_dt": REQUIRED, "frac_bc": REQUIRED, "frac_h": REQUIRED,
        "frac_y": REQUIRED, "frac_dts": REQUIRED, "frac_da": REQUIRED, "frac_te": REQUIRED,
        "lo_e": REQUIRED, "lo_sp": REQUIRED, "frac_tsp": REQUIRED,
        "ssm_bits": 8, "state_bits": 8, "group": 8,
    }  # fmt: skip
    min_inputs, max_inputs = 12, 12
    doc = (
        "The selective-SSM step on codes: inputs x, dt, B, C, state, A codes and shifts, D "
        "codes and shifts, dt_bias codes, the softplus and the exp table (see docs/mamba.md)."
    )

    def infer(self, node: Node) -> list[TensorType]:
        return [(node.inputs[0].shape, I64), (node.inputs[4].shape, I64)]

    def compute(self, node: Node, *inputs) -> list[np.ndarray]:
        return list(ssm_step_codes(node.attrs, *inputs))


def ssm_step_codes(at, x, dt, b, c, state, a_q, a_shift, d_q, d_shift, dt_bias, sp_table,
                   exp_table):  # fmt: skip
    """The integer selective-SSM step (IntSSMStep)."""
    bits, grp = int(at["ssm_bits"]), int(at["group"])
    u = np.asarray(dt, np.int64) + dt_bias
    sp_attrs = {"frac_in": at["frac_dt"], "frac_t": at["frac_tsp"], "lo": at["lo_sp"],
                "frac_out": at["frac_dts"], "above": "identity"}  # fmt: skip
    dts = pot_fake(table_lookup(u, sp_table, sp_attrs), bits, grp)
    prod = dts * a_q  # frac_dts + a_shift
    e_attrs = {"frac_in": 0, "frac_t": 0, "lo": at["lo_e"], "frac_out": at["frac_da"],
               "above": "clamp"}  # fmt: skip
    e_in = shift_round(prod, int(at["frac_dts"]) + a_shift - int(at["frac_te"]))
    da = table_lookup(e_in, exp_table, e_attrs)
    xq = pot_fake(np.asarray(x, np.int64), bits, grp)
    rep = x.shape[1] // b.shape[1]
    bq = np.repeat(pot_fake(np.asarray(b, np.int64), bits, grp), rep, axis=1)
    cq = np.repeat(pot_fake(np.asarray(c, np.int64), bits, grp), rep, axis=1)
    fx, fdt, fbc, fh = (int(at[k]) for k in ("frac_x", "frac_dts", "frac_bc", "frac_h"))
    dbx = shift_round((dts[:, :, None] * xq)[..., None] * bq[:, :, None, :], fdt + fx + fbc - fh)
    decayed = shift_round(da[:, :, None, None] * np.asarray(state, np.int64), int(at["frac_da"]))
    h = pot_fake(decayed + dbx, int(at["state_bits"]), grp)
    y = shift_round((h * cq[:, :, None, :]).sum(axis=-1), fh + fbc - int(at["frac_y"]))
    skip = shift_round((d_q[None, :, None] * xq), d_shift[None, :, None] + fx - int(at["frac_y"]))
    return y + skip, h
