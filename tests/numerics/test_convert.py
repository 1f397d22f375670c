"""`quantize_real` of a large array in pieces (`chunk_slices`): the same codes and
overflow counts as one conversion of the whole array."""

from __future__ import annotations

import numpy as np
import pytest

import fpgaforge.numerics.convert as convert
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed, Int

CASES = [
    (Fixed(8, 3, True, Rounding.RND, Overflow.SAT), (9, 4, 5)),
    (Fixed(5, 1, False, Rounding.TRN, Overflow.WRAP), (9, 4, 5)),
    (Int(8, True, Scale.per_tensor(0.05)), (31,)),
    (Int(8, True, Scale.per_channel(np.linspace(0.01, 0.2, 9), axis=0)), (9, 4, 5)),
    (Int(4, True, Scale.per_channel(np.linspace(0.1, 0.3, 4), axis=-2)), (9, 4, 5)),
    (Int(8, True, Scale.per_channel(np.linspace(0.1, 0.3, 9), axis=0)), (9,)),
    (Fixed(96, 70, True, Rounding.RND, Overflow.SAT), (9, 4, 5)),  # codes are Python ints
]


@pytest.mark.parametrize(("t", "shape"), CASES)
@pytest.mark.parametrize("chunk", [1, 7, 40])
def test_codes_in_pieces_equal_one_conversion(
    t, shape: tuple[int, ...], chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = np.random.default_rng(len(shape) + chunk).standard_normal(shape) * 4
    x.flat[::11] = np.inf
    x.flat[5::13] = np.nan
    whole_stats, piece_stats = OverflowStats(), OverflowStats()
    whole = convert.quantize_real(x, t, whole_stats)
    monkeypatch.setattr(convert, "CHUNK_ELEMENTS", chunk)
    pieces = convert.chunk_slices(shape, t)
    if len(shape) > 1:
        assert pieces is not None and len(pieces) > 1
    got = convert.quantize_real(x, t, piece_stats)
    assert got.dtype == whole.dtype == (object if t.width > 63 else np.int64)
    assert got.tolist() == whole.tolist()
    assert (piece_stats.total, piece_stats.overflows, piece_stats.underflows) == (
        whole_stats.total,
        whole_stats.overflows,
        whole_stats.underflows,
    )


def test_pieces_never_cut_the_scale_axis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "CHUNK_ELEMENTS", 4)
    t = Int(8, True, Scale.per_channel(np.ones(6), axis=0))
    pieces = convert.chunk_slices((6, 8), t)
    assert pieces is not None
    assert all(index[0] == slice(None) for index in pieces)
    assert convert.chunk_slices((6,), t) is None
