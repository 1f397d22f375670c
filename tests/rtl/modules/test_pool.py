"""ff_pool (max and sum, LANES folding): bit-exact and cycles equal to `Pool`'s cost model."""

from __future__ import annotations

import random

import pytest

from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.pool.cost import Pool
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack

pytestmark = pytest.mark.rtlsim


@pytest.mark.parametrize(("mode", "lanes"), [(0, 2), (1, 1)])
def test_pool(tmp_path, mode, lanes):
    c, h, w, k, frames = 4, 4, 4, 2, 2
    rng = random.Random(mode)
    x = [[[[rng.randint(-100, 100) for _ in range(c)] for _ in range(w)] for _ in range(h)]
         for _ in range(frames)]  # fmt: skip
    beats = [pack(px[g * lanes : (g + 1) * lanes], 8)
             for f in x for row in f for px in row for g in range(c // lanes)]  # fmt: skip
    params = dict(IN_W=8, IN_SIGNED=1, OUT_W=10, C=c, W=w, KH=k, KW=k, LANES=lanes, MODE=mode)
    outs = (h // k) * (w // k) * c // lanes
    run = run_stream("ff_pool", params, beats, outs * frames, tmp_path / "b")
    got = [v for word in run["out_data"] for v in unpack(word, lanes, 10, True)]
    op = max if mode == 0 else sum
    want = [op(f[oy * k + i][ox * k + j][ch] for i in range(k) for j in range(k))
            for f in x for oy in range(h // k) for ox in range(w // k) for ch in range(c)]  # fmt: skip
    assert got == want
    pool = Pool(channels=c, in_h=h, in_w=w, kh=k, kw=k, out_h=h // k, out_w=w // k, batch=1,
                bits=8, pool_kind="max" if mode == 0 else "avg", pe=lanes)  # fmt: skip
    est = pool.estimate(CostContext.of(view("ulx3s-85f")))
    latency, interval = cycles_of(run, len(beats) // frames, outs)
    assert (latency, interval) == (est.cycles, est.ii)
    assert run["out_at"][0] - run["in_at"][0] == est.fill
