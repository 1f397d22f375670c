"""The integer emulation of a LightMamba-quantized decode step equals a plain
integer implementation of the same step written here with Python ints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import fpgaforge
from fpgaforge.models import config, step_graph
from fpgaforge.models.mamba2 import Mamba2LM
from fpgaforge.numerics import hadamard


def rnd(x: int, s: int) -> int:
    """x / 2^s rounded half up (x * 2^-s for s <= 0)."""
    return (x + (1 << (s - 1))) >> s if s > 0 else x << -s


def sat(x: int, bits: int) -> int:
    return max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, x))


def pot(xs: list[int], bits: int, group: int) -> list[int]:
    out = []
    for i in range(0, len(xs), group):
        part = xs[i : i + group]
        s = min(max(max(abs(v) for v in part).bit_length() - (bits - 1), 0), 15)
        out += [sat(rnd(v, s), bits) << s for v in part]
    return out


def static(xs: list[int], bits: int, shift: int) -> list[int]:
    return [sat(rnd(v, shift), bits) << shift for v in xs]


def act(xs: list[int], a: dict) -> list[int]:
    if a["act_group"] > 0:
        return pot(xs, a["act_bits"], a["act_group"])
    return static(xs, a["act_bits"], a["act_shift"])


def table(x: int, values: list[int], a: dict) -> int:
    t = rnd(x, a["frac_in"] - a["frac_t"]) - a["lo"]
    if t >= len(values) and a["above"] == "identity":
        return rnd(x, a["frac_in"] - a["frac_out"])
    return values[min(max(t, 0), len(values) - 1)]


def linear(xs: list[int], node) -> list[int]:
    a = node.attrs
    q, m = node.inputs[1].const.tolist(), node.inputs[2].const.tolist()
    xq = act(xs, a)
    g = a["group"]
    out = []
    for row, mults in zip(q, m, strict=True):
        acc = 0
        for j, mult in enumerate(mults):
            acc += (
                sum(
                    xv * wv
                    for xv, wv in zip(
                        xq[j * g : (j + 1) * g], row[j * g : (j + 1) * g], strict=True
                    )
                )
                * mult
            )
        out.append(sat(rnd(acc, a["frac_in"] - a["w_exp"] - a["frac_out"]), a["out_bits"]))
    return out


def rms(xs: list[int], node, gate: list[int] | None) -> list[int]:
    a = node.attrs
    rsqrt = node.inputs[1].const.tolist()
    if gate is not None:
        xs = [rnd(x * z, a["frac_gate"]) for x, z in zip(xs, gate, strict=True)]
    g = a["group_size"] or len(xs)
    out = []
    for i in range(0, len(xs), g):
        part = xs[i : i + g]
        mean = sum(v * v for v in part) // g + a["eps_code"]
        t = max(mean.bit_length() - a["table_bits"], 0)
        t += t & 1
        r = rsqrt[mean >> t]
        out += [rnd(v * r, a["r_bits"] + t // 2 - a["frac_out"]) for v in part]
    return out


def reference_layer(q, i: int, resid: list[int], conv: list[list[int]], ssm: list) -> tuple:
    """One Mamba-2 block on Python ints; returns (residual, conv state, ssm state)."""
    node = {n.name: n for n in q.nodes}
    p = f"layers.{i}."
    cfg = CFG
    normed = rms(resid, node[p + "norm"], None)
    zxbcdt = linear(normed, node[p + "in_proj"])
    z = zxbcdt[: cfg.d_inner]
    xbc = zxbcdt[cfg.d_inner : cfg.d_inner + cfg.conv_dim]
    dt = zxbcdt[cfg.d_inner + cfg.conv_dim :]
    cn = node[p + "conv1d"]
    ca = cn.attrs
    wq, wsh, bias = (cn.inputs[k].const.tolist() for k in (1, 2, 3))
    xq = act(xbc, ca)
    windows = [conv[ch] + [xq[ch]] for ch in range(cfg.conv_dim)]
    conv_out = [
        rnd(
            sum(v * w for v, w in zip(windows[ch], wq[ch], strict=True)),
            ca["frac_in"] + wsh[ch] - ca["frac_out"],
        )
        + bias[ch]
        for ch in range(cfg.conv_dim)
    ]
    sn = node[p + "conv_silu"]
    xbc = [table(v, sn.inputs[1].const.tolist(), sn.attrs) for v in conv_out]
    h, hp, n = cfg.nheads, cfg.headdim, cfg.d_state
    x = xbc[: cfg.d_inner]
    b = xbc[cfg.d_inner : cfg.d_inner + n]
    c = xbc[cfg.d_inner + n :]
    sm = node[p + "ssm"]
    at = sm.attrs
    aq, ash, dq, dsh, dtb, sp, ex = (sm.inputs[k].const.tolist() for k in range(5, 12))
    bits, grp = at["ssm_bits"], at["group"]
    sp_attrs = {"frac_in": at["frac_dt"], "frac_t": at["frac_tsp"], "lo": at["lo_sp"],
                "frac_out": at["frac_dts"], "above": "identity"}  # fmt: skip
    dts = pot([table(dt[k] + dtb[k], sp, sp_attrs) for k in range(h)], bits, grp)
    e_attrs = {"frac_in": 0, "frac_t": 0, "lo": at["lo_e"], "frac_out": 0, "above": "clamp"}
    da = [table(rnd(dts[k] * aq[k], at["frac_dts"] + ash[k] - at["frac_te"]), ex, e_attrs)
          for k in range(h)]  # fmt: skip
    xq = pot(x, bits, grp)
    bq, cq = pot(b, bits, grp), pot(c, bits, grp)
    y = []
    new_ssm = []
    shift_dbx = at["frac_dts"] + at["frac_x"] + at["frac_bc"] - at["frac_h"]
    for k in range(h):
        head_state = []
        for j in range(hp):
            xv = xq[k * hp + j]
            row = [rnd(da[k] * ssm[k][j][s], at["frac_da"]) + rnd(dts[k] * xv * bq[s], shift_dbx)
                   for s in range(n)]  # fmt: skip
            row = pot(row, at["state_bits"], grp)
            head_state.append(row)
            acc = sum(row[s] * cq[s] for s in range(n))
            y.append(rnd(acc, at["frac_h"] + at["frac_bc"] - at["frac_y"])
                     + rnd(dq[k] * xv, dsh[k] + at["frac_x"] - at["frac_y"]))  # fmt: skip
        new_ssm.append(head_state)
    gn = node[p + "gated_norm"]
    gs = node[p + "gated_norm_gate_silu"]
    gate = [table(v, gs.inputs[1].const.tolist(), gs.attrs) for v in z]
    y = rms(y, gn, gate)
    if p + "out_proj_hadamard" in node:
        hm = hadamard.matrix(len(y)).tolist()
        y = [sum(hv * yv for hv, yv in zip(row, y, strict=True)) for row in hm]
    out = linear(y, node[p + "out_proj"])
    resid = [r + o for r, o in zip(resid, out, strict=True)]
    return resid, [w[1:] for w in windows], new_ssm


CFG = config("mamba2-micro")


@pytest.mark.parametrize("spec", ["lightmamba:state_bits=6", "w4a4-rtn"])
def test_emulation_equals_python_ints_over_64_tokens(spec: str) -> None:
    torch.manual_seed(0)
    model = Mamba2LM(CFG).eval()
    with torch.no_grad():
        for layer in model.backbone.layers:
            layer.mixer.A_log.uniform_(-1, 1)
            layer.mixer.D.normal_()
    graph = step_graph(CFG, model.numpy_weights())
    tokens = np.random.default_rng(3).integers(0, CFG.vocab, 64)
    q = fpgaforge.quantize(graph, spec, {"tokens": tokens[:16]})
    embed_q = next(n for n in q.nodes if n.op == "FixedQuant")
    host = next(n for n in q.nodes if n.op == "FixedDequant")
    feeds = {v.name: np.zeros(v.shape, np.int64) for v in q.inputs if v.name != "token"}
    conv = [[0] * (CFG.d_conv - 1) for _ in range(CFG.conv_dim)]
    ssm = [[[0] * CFG.d_state for _ in range(CFG.headdim)] for _ in range(CFG.nheads)]
    differing = 0
    for token in tokens:
        out = fpgaforge.execute(
            q, {"token": np.array([token]), **feeds},
            outputs=[host.inputs[0].name, "conv_state_0_out", "ssm_state_0_out"],
        )  # fmt: skip
        table_ = next(n for n in q.nodes if n.op == "Embedding").inputs[1].const
        frac = embed_q.attrs["frac"]
        resid = [int(np.floor(float(v) * 2.0**frac + 0.5)) for v in table_[token]]
        resid, conv, ssm = reference_layer(q, 0, resid, conv, ssm)
        differing += int((np.array(resid) != out[host.inputs[0].name][0]).sum())
        differing += int((np.array(conv) != out["conv_state_0_out"][0]).sum())
        differing += int((np.array(ssm) != out["ssm_state_0_out"][0]).sum())
        feeds = {"conv_state_0": out["conv_state_0_out"], "ssm_state_0": out["ssm_state_0_out"]}
    assert differing == 0
    assert max(abs(v) for row in ssm for col in row for v in col) > 0
