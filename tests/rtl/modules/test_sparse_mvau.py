"""ff_sparse_mvau (N:M, PE x SIMD folding): outputs bit-exact with `nm.sparse_matmul` on the
compressed weights, cycles equal to `SparseGemm.timing()`."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.numerics import nm
from fpgaforge.units.sparse_gemm.cost import SparseGemm
from fpgaforge.units.sparse_gemm.rtl import sparse_words
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim


@pytest.mark.parametrize(
    ("mh", "mw", "pe", "simd", "n", "m", "in_signed"),
    [
        (4, 32, 2, 16, 2, 8, False),  # 2:8, two groups a beat
        (6, 16, 3, 8, 1, 4, True),  # 1:4
        (16, 64, 2, 8, 2, 4, True),  # 2:4, 64 weight words
    ],
)
# WEIGHT_RAM 2: the weight ROM in logic, in the unit (<= 32 words) or an ff_rom (64 words)
@pytest.mark.parametrize("weight_ram", [0, 2])
def test_sparse_mvau(tmp_path, mh, mw, pe, simd, n, m, in_signed, weight_ram):
    pattern = nm.NMPattern(n, m)
    rng = np.random.default_rng(mh * 100 + mw + m)
    w = nm.prune(rng.integers(-128, 128, (mh, mw)), pattern, axis=1)
    w[0, :m] = 0  # an empty group: zero values padded at index 0..n-1
    w[-1, -m:] = 0
    w[-1, -1] = -128  # the largest product magnitude
    lo, hi = (-128, 127) if in_signed else (0, 255)
    xs = rng.integers(lo, hi + 1, (4, mw))
    xs[0] = lo
    bias = rng.integers(-1000, 1000, mh)
    values, indices = nm.compress(w, pattern, axis=1)
    nz, ib, acc_w = simd // m * n, pattern.index_bits, 24
    words = [int(h, 16) for h in sparse_words(values, indices, pe, nz, 8, ib)]
    nf, sf = mh // pe, mw // simd
    params = dict(
        MH=mh, MW=mw, PE=pe, SIMD=simd, N=n, M=m, IN_W=8, IN_SIGNED=int(in_signed), WT_W=8,
        ACC_W=acc_w, RQ_EN=0, OUT_W=acc_w, RELU=0, WEIGHT_RAM=weight_ram,
        WEIGHT_FILE=f'"{write_hex(tmp_path / "w.hex", words, pe * nz * (8 + ib))}"',
        BIAS_FILE=f'"{write_hex(tmp_path / "b.hex", [pack(bias[f * pe:(f + 1) * pe], acc_w) for f in range(nf)], pe * acc_w)}"',
        RQ_FILE=f'"{write_hex(tmp_path / "q.hex", [0] * nf, pe * 24)}"',
    )  # fmt: skip
    beats = [pack(x[f * simd : (f + 1) * simd].tolist(), 8) for x in xs for f in range(sf)]
    run = run_stream("ff_sparse_mvau", params, beats, nf * len(xs), tmp_path / "b")
    got = [v for word in run["out_data"] for v in unpack(word, pe, acc_w, True)]
    want = (nm.sparse_matmul(xs, values, indices, pattern) + bias).ravel().tolist()
    assert want == (xs @ w.T + bias).ravel().tolist()
    assert got == want
    t = SparseGemm(mh=mh, mw=mw, vectors=1, n=n, m=m, weight_bits=8, act_bits=8, acc_bits=23,
                   out_bits=acc_w, pe=pe, simd=simd).timing()  # fmt: skip
    latency, interval = cycles_of(run, sf, nf)
    assert (latency, interval) == (t["cycles"], t["ii"])
    assert run["out_at"][0] - run["in_at"][0] == t["fill"]
    assert run["out_at"][nf - 1] - run["in_at"][sf - 1] == t["drain"]
