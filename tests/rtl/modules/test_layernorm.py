"""ff_layernorm: bit-exact with the integer LayerNorm (`table_int.layernorm_codes`) on the
quantizer's rsqrt table, and its cycles (latency, interval, first output) equal to the
LayerNorm unit's cost model."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.ir.ops.table_int import layernorm_codes
from fpgaforge.quant.lower.layernorm import rsqrt_table
from fpgaforge.quant.lut import LookupTable
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.layernorm import LayerNormUnit
from fpgaforge.units.layernorm.rtl import layernorm_rom
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack

pytestmark = pytest.mark.rtlsim


@pytest.mark.parametrize(("n", "rows", "stall"), [(16, 3, 0.0), (8, 2, 0.3)])
def test_layernorm(tmp_path, n, rows, stall):
    rng = np.random.default_rng(n)
    table = rsqrt_table()
    gamma = rng.integers(-(1 << 15), 1 << 15, n)
    beta = rng.integers(-(1 << 25), 1 << 25, n)
    frames, eps = 3, 37
    x = rng.integers(-128, 128, (frames * rows, n))
    x[0] = 5  # a constant row: only epsilon
    x[1] = rng.integers(-2, 3, n)  # small variance: no shift
    x[2, 3] = -128
    want = layernorm_codes(x, 1, gamma, beta, LookupTable(0, 0, table), eps, 16, 10)
    out_w = max(int(np.abs(want).max()).bit_length() + 2, 34)
    rom = layernorm_rom(n, 8, table, gamma, beta, eps, 16, 10, out_w)
    assert rom is not None
    files = {"RSQRT_FILE": rom.rsqrt, "GAMMA_FILE": rom.gamma, "BETA_FILE": rom.beta}
    params = dict(rom.params)
    for key, words in files.items():
        path = tmp_path / f"{key.lower()}.hex"
        path.write_text("".join(f"{w}\n" for w in words))
        params[key] = f'"{path}"'
    beats = [pack([int(v)], 8) for v in x.ravel()]
    run = run_stream("ff_layernorm", params, beats, x.size, tmp_path / "b", stall=stall, seed=2)
    got = [unpack(w, 1, out_w, True)[0] for w in run["out_data"]]
    assert got == want.ravel().tolist()
    if stall:
        return
    unit = LayerNormUnit(rows=rows, row_len=n, bits=8, out_bits=out_w)
    est = unit.estimate(CostContext.of(view("zcu104")))
    latency, interval = cycles_of(run, rows * n, rows * n)
    assert (latency, interval) == (est.cycles, est.ii)
    assert run["out_at"][0] - run["in_at"][0] == est.fill
