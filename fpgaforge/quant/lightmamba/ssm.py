"""Lowering of SSMStep to IntSSMStep (called by `lower.py`)."""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.ir.ops.ssm import softplus
from fpgaforge.quant.lightmamba.tables import exp_table, softplus_table
from fpgaforge.quant.lightmamba.weights import shifts_for


def lower_ssm(low, node) -> None:
    x, dt, a, b, c, d, dt_bias, state = node.inputs
    spec = low.spec
    heads = x.shape[1]
    bias = np.zeros(heads) if dt_bias is None else np.asarray(dt_bias.const, np.float64)
    a_real = np.asarray(a.const, np.float64)
    d_real = np.zeros(heads) if d is None else np.asarray(d.const, np.float64)
    fdt = low.fr(dt)
    top_dts = float(softplus(low.ranges.get(dt.name, 1.0) + np.abs(bias).max()))
    fdts = int(min(30, spec.container_bits - 2 - math.ceil(math.log2(max(top_dts, 2.0**-12)))))
    fda = spec.ssm_bits - 1
    sp, sp_attrs = softplus_table(fdt, fdts, spec.table_bits)
    ex, frac_te, lo_e = exp_table(fda, spec.table_bits)
    a_shift = shifts_for(np.abs(a_real), spec.ssm_bits, 8)
    d_shift = shifts_for(np.abs(d_real), spec.ssm_bits, 8)
    name = node.name
    inputs = [
        low.get(x), low.get(dt), low.get(b), low.get(c), low.get(state),
        low.const(name + "_A", np.round(a_real * 2.0**a_shift)),
        low.const(name + "_A_shift", a_shift),
        low.const(name + "_D", np.round(d_real * 2.0**d_shift)),
        low.const(name + "_D_shift", d_shift),
        low.const(name + "_dt_bias", np.round(bias * 2.0**fdt)),
        low.const(name + "_softplus", sp),
        low.const(name + "_exp", ex),
    ]  # fmt: skip
    fh = low.fr(state)
    fy = low.frac_for(node.outputs[0])
    attrs = {
        "frac_x": low.fr(x), "frac_dt": fdt, "frac_bc": low.fr(b), "frac_h": fh, "frac_y": fy,
        "frac_dts": fdts, "frac_da": fda, "frac_te": frac_te, "lo_e": lo_e,
        "lo_sp": sp_attrs["lo"], "frac_tsp": sp_attrs["frac_t"],
        "ssm_bits": spec.ssm_bits, "state_bits": spec.state_bits, "group": 8,
    }  # fmt: skip
    if low.fr(b) != low.fr(c):
        raise ValueError("B and C differ in format")
    y, h = low.emit("IntSSMStep", inputs, node, attrs, num_outputs=2)
    low.put(node.outputs[0], y, fy)
    low.put(node.outputs[1], h, fh)
