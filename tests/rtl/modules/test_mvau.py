"""ff_mvau (PE x SIMD folding): bit-exact dot products and cycles equal to `MVAU.timing()`;
with DSP_PACK, two PE lanes' products share one 27 x 18 multiply (bit-exact as well)."""

from __future__ import annotations

import random

import pytest

from fpgaforge.units.mvau.cost import MVAU
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim


def agree(sim: float, est: float) -> bool:
    """Within 2 % or 10 cycles."""
    return abs(sim - est) <= max(0.02 * est, 10)


def run_mvau(
    tmp_path,
    w: list[list[int]],
    bias: list[int],
    xs: list[list[int]],
    pe: int,
    simd: int,
    *,
    wt_w: int,
    in_w: int,
    in_signed: bool,
    acc_w: int,
    dsp_pack: int = 0,
    weight_ram: int = 0,
) -> dict:
    """Run ff_mvau (no requant, weight ROM placed by `weight_ram`: WEIGHT_RAM) on vectors
    `xs`; assert the outputs are W·x + bias."""
    mh, mw = len(w), len(w[0])
    nf, sf = mh // pe, mw // simd
    tmp_path.mkdir(parents=True, exist_ok=True)
    rows = [
        pack([w[n * pe + p][f * simd + s] for p in range(pe) for s in range(simd)], wt_w)
        for n in range(nf)
        for f in range(sf)
    ]
    params = dict(
        MH=mh, MW=mw, PE=pe, SIMD=simd, IN_W=in_w, IN_SIGNED=int(in_signed), WT_W=wt_w,
        ACC_W=acc_w, RQ_EN=0, OUT_W=acc_w, RELU=0, DSP_PACK=dsp_pack, WEIGHT_RAM=weight_ram,
        WEIGHT_FILE=f'"{write_hex(tmp_path / "w.hex", rows, pe * simd * wt_w)}"',
        BIAS_FILE=f'"{write_hex(tmp_path / "b.hex", [pack(bias[n * pe:(n + 1) * pe], acc_w) for n in range(nf)], pe * acc_w)}"',
        RQ_FILE=f'"{write_hex(tmp_path / "q.hex", [0] * nf, pe * 24)}"',
    )  # fmt: skip
    beats = [pack(x[f * simd : (f + 1) * simd], in_w) for x in xs for f in range(sf)]
    run = run_stream("ff_mvau", params, beats, nf * len(xs), tmp_path / "b")
    got = [v for word in run["out_data"] for v in unpack(word, pe, acc_w, True)]
    want = [sum(w[r][c] * x[c] for c in range(mw)) + bias[r] for x in xs for r in range(mh)]
    assert got == want
    return run


# WEIGHT_RAM 2: the weight ROM in logic, in the unit (<= 32 words) or an ff_rom (64 words)
@pytest.mark.parametrize("weight_ram", [0, 2])
@pytest.mark.parametrize(("mh", "mw", "pe", "simd"), [(4, 6, 2, 3), (6, 8, 3, 2), (16, 16, 2, 2)])
def test_mvau_folding(tmp_path, mh, mw, pe, simd, weight_ram):
    nf, sf, vectors = mh // pe, mw // simd, 3
    rng = random.Random(mh * 100 + mw)
    w = [[rng.randint(-8, 7) for _ in range(mw)] for _ in range(mh)]
    bias = [rng.randint(-20, 20) for _ in range(mh)]
    xs = [[rng.randint(-8, 7) for _ in range(mw)] for _ in range(vectors)]
    run = run_mvau(
        tmp_path, w, bias, xs, pe, simd, wt_w=4, in_w=4, in_signed=True, acc_w=16,
        weight_ram=weight_ram,
    )  # fmt: skip
    # one vector per inference: latency of the first, interval between vectors
    t = MVAU(mh=mh, mw=mw, vectors=1, weight_bits=4, act_bits=4, acc_bits=16, out_bits=16,
             pe=pe, simd=simd).timing()  # fmt: skip
    latency, interval = cycles_of(run, sf, nf)
    assert agree(latency, t["cycles"]) and agree(interval, t["ii"]), (latency, interval, t)
    assert run["out_at"][0] - run["in_at"][0] == t["fill"]
    assert run["out_at"][nf - 1] - run["in_at"][sf - 1] == t["drain"]


@pytest.mark.parametrize(
    ("mh", "mw", "pe", "simd", "in_signed"),
    [
        (4, 6, 2, 3, True),  # two pairs, signed activations
        (8, 4, 4, 2, False),  # unsigned activations (0..255)
        (6, 6, 3, 3, True),  # odd PE: one pair and one lane on its own
        (10, 4, 5, 1, False),  # odd PE, SIMD 1, unsigned
    ],
)
def test_mvau_dsp_pack(tmp_path, mh, mw, pe, simd, in_signed):
    """INT8 products packed two per multiplier: bit-exact at the extremes (-128·-128,
    -128·255, 127·-128) and on random values; the timing is that of the unpacked unit."""
    nf, sf = mh // pe, mw // simd
    rng = random.Random(mh * 1000 + mw * 10 + pe)
    lo, hi = (-128, 127) if in_signed else (0, 255)
    w_edges = [-128, 127, -1, 0, 1, -127]
    x_edges = [lo, hi, -1, 0, 1] if in_signed else [lo, hi, 1, 128, 127]
    # the first PE rows (every lane pair at once) hold extreme weights, the rest random ones
    w = [
        [w_edges[(r + c) % 2] if r < pe else rng.randint(-128, 127) for c in range(mw)]
        for r in range(mh)
    ]
    xs = [[lo] * mw, [hi] * mw, [x_edges[c % len(x_edges)] for c in range(mw)]]
    xs += [[rng.choice(x_edges) if rng.random() < 0.3 else rng.randint(lo, hi)
            for _ in range(mw)] for _ in range(3)]  # fmt: skip
    bias = [rng.randint(-1000, 1000) for _ in range(mh)]
    run = run_mvau(tmp_path, w, bias, xs, pe, simd, wt_w=8, in_w=8, in_signed=in_signed,
                   acc_w=24, dsp_pack=1)  # fmt: skip
    latency, interval = cycles_of(run, sf, nf)
    t = MVAU(mh=mh, mw=mw, vectors=1, weight_bits=8, act_bits=8, acc_bits=24, out_bits=24,
             pe=pe, simd=simd).timing()  # fmt: skip
    assert agree(latency, t["cycles"]) and agree(interval, t["ii"]), (latency, interval, t)
