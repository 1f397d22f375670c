"""The shortcuts of the numpy rescale (blocks, one-direction shifts, the TRN/RND with
SAT/WRAP casts) against the exact scalar reference."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.numerics import rescale as rs
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.stats import OverflowStats


def _reference(c, d, width, signed, rounding, overflow):
    d = np.broadcast_to(d, c.shape)
    pairs = [
        rs.rescale_exact(int(a), int(b), width, signed, rounding, overflow)
        for a, b in zip(c.reshape(-1).tolist(), d.reshape(-1).tolist(), strict=True)
    ]
    codes = np.array([p[0] for p in pairs], dtype=np.int64).reshape(c.shape)
    flags = np.array([p[1] for p in pairs])
    return codes, int((flags > 0).sum()), int((flags < 0).sum())


@pytest.mark.parametrize("rounding", list(Rounding))
@pytest.mark.parametrize("overflow", list(Overflow))
def test_rescale_matches_the_exact_reference(rounding, overflow, monkeypatch):
    monkeypatch.setattr(rs, "_BLOCK", 97)  # several blocks, one of them partial
    rng = np.random.default_rng(hash((rounding.value, overflow.value)) % 2**32)
    for _ in range(12):
        width = int(rng.integers(1, 63))
        signed = bool(rng.integers(0, 2))
        scale = int(rng.integers(1, 60))
        c = rng.integers(-(1 << scale), 1 << scale, size=(3, 5, 23), dtype=np.int64)
        c.reshape(-1)[:2] = (-(1 << 60) + 1, (1 << 60) - 1)
        shape = [(), (1, 5, 1), (3, 5, 23)][int(rng.integers(0, 3))]
        low = int(rng.choice([-3, 1]))
        d = rng.integers(low, 63, size=shape, dtype=np.int64)
        stats = OverflowStats()
        got = rs.rescale(c, d, width, signed, rounding, overflow, stats)
        codes, over, under = _reference(c, d, width, signed, rounding, overflow)
        np.testing.assert_array_equal(got, codes)
        assert got.dtype == np.int64
        assert (stats.total, stats.overflows, stats.underflows) == (c.size, over, under)
