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


@pytest.mark.parametrize("rounding", [Rounding.TRN, Rounding.RND])
@pytest.mark.parametrize("overflow", [Overflow.SAT, Overflow.WRAP])
def test_a_tight_magnitude_bound_keeps_the_exact_codes(rounding, overflow):
    """With the codes' own largest magnitude as the bound, the cast may leave out its
    saturation pass only when no code can reach the destination's limits."""
    rng = np.random.default_rng(11)
    for width, signed, d in ((8, True, 4), (8, False, 4), (6, True, 1), (14, True, 15)):
        for scale in (2, 3, 5, 10, 11, 12, 20):
            for _ in range(6):
                neg, pos = (int(v) for v in rng.integers(0, (1 << scale) + 1, size=2))
                c = rng.integers(-neg, pos + 1, size=(4, 300), dtype=np.int64)
                c[0, :2] = (-neg, pos)
                shifts = np.array(d, dtype=np.int64)
                got = rs.rescale(
                    c.copy(),
                    shifts,
                    width,
                    signed,
                    rounding,
                    overflow,
                    None,
                    magnitude=rs.max_abs(c),
                    scratch=True,
                )
                codes, _, _ = _reference(c, shifts, width, signed, rounding, overflow)
                np.testing.assert_array_equal(got, codes)
