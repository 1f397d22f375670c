"""ff_mvau (PE x SIMD folding): bit-exact dot products and cycles equal to `MVAU.timing()`."""

from __future__ import annotations

import random

import pytest

from fpgaforge.dataflow.templates.mvau import MVAU
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


@pytest.mark.parametrize(("mh", "mw", "pe", "simd"), [(4, 6, 2, 3), (6, 8, 3, 2)])
def test_mvau_folding(tmp_path, mh, mw, pe, simd):
    nf, sf, vectors = mh // pe, mw // simd, 3
    rng = random.Random(mh * 100 + mw)
    w = [[rng.randint(-8, 7) for _ in range(mw)] for _ in range(mh)]
    bias = [rng.randint(-20, 20) for _ in range(mh)]
    rows = [
        pack([w[n * pe + p][f * simd + s] for p in range(pe) for s in range(simd)], 4)
        for n in range(nf)
        for f in range(sf)
    ]
    params = dict(
        MH=mh, MW=mw, PE=pe, SIMD=simd, IN_W=4, WT_W=4, ACC_W=16, RQ_EN=0, OUT_W=16, RELU=0,
        WEIGHT_FILE=f'"{write_hex(tmp_path / "w.hex", rows, pe * simd * 4)}"',
        BIAS_FILE=f'"{write_hex(tmp_path / "b.hex", [pack(bias[n * pe:(n + 1) * pe], 16) for n in range(nf)], pe * 16)}"',
        RQ_FILE=f'"{write_hex(tmp_path / "q.hex", [0] * nf, pe * 24)}"',
    )  # fmt: skip
    xs = [[rng.randint(-8, 7) for _ in range(mw)] for _ in range(vectors)]
    beats = [pack(x[f * simd : (f + 1) * simd], 4) for x in xs for f in range(sf)]
    run = run_stream("ff_mvau", params, beats, nf * vectors, tmp_path / "b", ("ff_requant",))
    got = [v for word in run["out_data"] for v in unpack(word, pe, 16, True)]
    want = [sum(w[r][c] * x[c] for c in range(mw)) + bias[r] for x in xs for r in range(mh)]
    assert got == want
    # one vector per inference: latency of the first, interval between vectors
    t = MVAU(mh=mh, mw=mw, vectors=1, weight_bits=4, act_bits=4, acc_bits=16, out_bits=16,
             pe=pe, simd=simd).timing()  # fmt: skip
    latency, interval = cycles_of(run, sf, nf)
    assert agree(latency, t["cycles"]) and agree(interval, t["ii"]), (latency, interval, t)
    assert run["out_at"][0] - run["in_at"][0] == t["fill"]
    assert run["out_at"][nf - 1] - run["in_at"][sf - 1] == t["drain"]
