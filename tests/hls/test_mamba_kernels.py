"""The Mamba-2 decode-step kernels (mamba.h, pot_gemv.h, causal_conv.h, rmsnorm.h,
hadamard.h, ssm_step.h) against the integer ops they implement (fpgaforge/ir/ops/intssm.py,
Hadamard), bit for bit, on random codes that reach the saturations, the table ends and the
negative shifts (tests/hls/kernels/test_mamba.cpp)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from fpgaforge.ir.ops import registry
from fpgaforge.numerics import hadamard
from fpgaforge.quant.lightmamba.tables import rsqrt_table

pytestmark = pytest.mark.csim
RNG = np.random.default_rng(7)


def _op(op: str, attrs: dict, *inputs) -> list[np.ndarray]:
    node = SimpleNamespace(attrs=registry.normalize_attrs(op, attrs, lambda: op))
    return registry.get(op).compute(node, *inputs)


def _cases():
    """(stdin numbers, expected stdout codes) of every case of test_mamba.cpp, in its order."""
    ins: list = []
    out: list = []
    # fixed_quant: float32 values, some beyond the 16-bit range
    real = np.concatenate([RNG.normal(0, 4, 10), [40.0, -40.0]]).astype(np.float32)
    ins += real.view(np.uint32).astype(np.int64).tolist()
    out += _op("FixedQuant", {"frac": 10, "bits": 16}, real[None])[0][0].tolist()
    # table: indices below, inside and above the 16 entries
    x = RNG.integers(-200, 200, 24)
    table = RNG.integers(-500, 500, 16)
    ins += [*x, *table]
    t = {"frac_in": 6, "frac_t": 3, "lo": -8, "frac_out": 5}
    out += _op("IntTable", {**t, "above": "identity"}, x, table)[0].tolist()
    out += _op("IntTable", {**t, "above": "clamp"}, x, table)[0].tolist()
    # add, slice
    a, b = RNG.integers(-(1 << 40), 1 << 40, 8), RNG.integers(-(1 << 40), 1 << 40, 8)
    ins += [*a, *b]
    out += [*(a + b), *a[3:7]]
    # linear: dynamic 4-bit groups of 8 with two weight groups, then a static shift
    x = RNG.integers(-(1 << 14), 1 << 14, (1, 16))
    x[0, :8] = RNG.integers(-5, 5, 8)  # a group that needs no shift
    q = RNG.integers(-8, 8, (6, 16))
    s1, s2 = RNG.integers(0, 8, (6, 2)), RNG.integers(0, 8, (6, 2))
    s2 = np.minimum(s1, s2)
    t1, t2 = RNG.integers(0, 8, (6, 1)), RNG.integers(0, 8, (6, 1))
    ins += [*x.ravel(), *q.ravel(), *s1.ravel(), *s2.ravel(), *t1.ravel(), *t2.ravel()]
    dyn = {"frac_in": 12, "frac_out": 9, "w_exp": -2, "group": 8, "act_bits": 4, "act_group": 8,
           "out_bits": 16}  # fmt: skip
    out += _op("IntLinear", dyn, x, q, (1 << s1) + (1 << s2))[0].ravel().tolist()
    static = {"frac_in": 8, "frac_out": 12, "w_exp": -2, "group": 16, "act_bits": 4,
              "act_group": 0, "act_shift": 3, "out_bits": 32}  # fmt: skip
    out += _op("IntLinear", static, x, q, (1 << t1) + (1 << t2))[0].ravel().tolist()
    mult = RNG.integers(1, 1 << 15, (6, 1))  # a per-row multiplier (the baselines)
    ins += [*mult.ravel()]
    out += _op("IntLinear", static, x, q, mult)[0].ravel().tolist()
    # conv1d with state, per-channel shifts of both signs
    x = RNG.integers(-(1 << 12), 1 << 12, (1, 16))
    state = RNG.integers(-(1 << 10), 1 << 10, (1, 16, 3))
    q = RNG.integers(-128, 128, (16, 4))
    shift = RNG.integers(-2, 6, 16)
    bias = RNG.integers(-1000, 1000, 16)
    ins += [*x.ravel(), *state.ravel(), *q.ravel(), *shift, *bias]
    conv = {"frac_in": 8, "frac_out": 7, "act_bits": 8, "act_group": 8}
    y, new = _op("IntConv1d", conv, x, q, shift, bias, state)
    out += [*y.ravel(), *new.ravel()]
    # rmsnorm: gated in groups of 8, then plain over all 16 (a large mean: shifted table index)
    x = RNG.integers(-(1 << 13), 1 << 13, (1, 16))
    gate = RNG.integers(-(1 << 7), 1 << 7, (1, 16))
    rsqrt = rsqrt_table(10, 16)
    ins += [*x.ravel(), *gate.ravel(), *rsqrt]
    norm = {"frac_in": 10, "table_bits": 10, "r_bits": 16}
    gated = {**norm, "frac_out": 6, "frac_gate": 6, "eps_code": 5, "group_size": 8}
    out += _op("IntRMSNorm", gated, x, rsqrt, gate)[0].ravel().tolist()
    plain = {**norm, "frac_out": 9, "eps_code": 300}
    out += _op("IntRMSNorm", plain, x, rsqrt)[0].ravel().tolist()
    # hadamard: 24 = 12 x 2 (Paley base) and 16 (Sylvester only)
    x24, x16 = RNG.integers(-999, 999, (1, 24)), RNG.integers(-999, 999, (1, 16))
    ins += [*x24.ravel(), *hadamard.base_matrix(12).ravel(), *x16.ravel()]
    for v in (x24, x16):
        out += _op("Hadamard", {"normalized": False}, v)[0].ravel().tolist()
    # ssm step: 4 heads of 8, 2 groups of 8 states
    x = RNG.integers(-(1 << 12), 1 << 12, (1, 4, 8))
    dt = RNG.integers(-(1 << 11), 1 << 11, (1, 4))
    b, c = RNG.integers(-(1 << 11), 1 << 11, (2, 1, 2, 8))
    state = RNG.integers(-(1 << 13), 1 << 13, (1, 4, 8, 8))
    a_q, a_shift = RNG.integers(-127, -1, 4), RNG.integers(0, 4, 4)
    d_q, d_shift = RNG.integers(-127, 127, 4), RNG.integers(-2, 5, 4)
    dt_bias = RNG.integers(-300, 300, 4)
    sp = np.arange(512) + RNG.integers(0, 50, 512)
    ex = np.sort(RNG.integers(0, 128, 513))
    ins += [*x.ravel(), *dt.ravel(), *b.ravel(), *c.ravel(), *state.ravel(), *a_q, *a_shift,
            *d_q, *d_shift, *dt_bias, *sp, *ex]  # fmt: skip
    ssm = {"frac_x": 10, "frac_dt": 9, "frac_bc": 10, "frac_h": 11, "frac_y": 9, "frac_dts": 8,
           "frac_da": 7, "frac_te": 6, "frac_tsp": 6, "lo_sp": -256, "lo_e": -512}  # fmt: skip
    y, h = _op("IntSSMStep", ssm, x, dt, b, c, state, a_q, a_shift, d_q, d_shift, dt_bias, sp, ex)
    out += [*y.ravel(), *h.ravel()]
    return ins, [int(v) for v in out]


def test_mamba_kernels_match_the_integer_ops(kernel):
    ins, expected = _cases()
    got = kernel("test_mamba", ins)
    assert len(got) == len(expected)
    wrong = [i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e]
    assert not wrong, f"{len(wrong)} codes differ, first at {wrong[0]}"
