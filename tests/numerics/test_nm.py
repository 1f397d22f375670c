"""N:M pattern, compressed layout, storage and the int64 sparse product."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.errors import SparsityError
from fpgaforge.numerics import nm


def test_parse_and_bad_patterns() -> None:
    assert nm.NMPattern.parse("2:8") == nm.NMPattern(2, 8)
    assert nm.NMPattern.parse((1, 4)).index_bits == 2
    with pytest.raises(SparsityError, match="0 < N <= M"):
        nm.NMPattern.parse("5:4")
    with pytest.raises(SparsityError, match="two integers"):
        nm.NMPattern.parse("2-8")


@pytest.mark.parametrize("pattern", ["2:4", "2:8", "1:8", "1:4"])
def test_compress_round_trip_and_product(pattern: str) -> None:
    p = nm.NMPattern.parse(pattern)
    rng = np.random.default_rng(1)
    w = nm.prune(rng.integers(-128, 128, (12, 32)), p, axis=1)
    w[0, :8] = 0  # a group with fewer than n non-zeros pads with zeros
    assert nm.is_nm(w, p, axis=1)
    values, indices = nm.compress(w, p, axis=1)
    assert values.shape == (12, 32 * p.n // p.m)
    assert indices.min() >= 0 and indices.max() < p.m
    np.testing.assert_array_equal(nm.decompress(values, indices, p, axis=1), w)
    x = rng.integers(-128, 128, (5, 32))
    np.testing.assert_array_equal(nm.sparse_matmul(x, values, indices, p), x @ w.T)


def test_prune_keeps_largest_and_validate_names_group() -> None:
    p = nm.NMPattern(2, 4)
    w = np.array([[1, -5, 3, 0, 7, 7, 7, 1]])
    np.testing.assert_array_equal(nm.prune(w, p, axis=1), [[0, -5, 3, 0, 7, 7, 0, 0]])
    with pytest.raises(SparsityError, match=r"group \(0, 0\).*3 non-zeros"):
        nm.validate(w, p, axis=1)
    with pytest.raises(SparsityError, match="not a multiple of M=8"):
        nm.validate(np.ones((2, 12)), nm.NMPattern(2, 8), axis=1)


def test_storage_bits() -> None:
    bits = nm.storage_bits((64, 128), nm.NMPattern(2, 8), value_bits=8, axis=1)
    assert bits["values_bits"] == 64 * 32 * 8
    assert bits["index_bits"] == 64 * 32 * 3
    assert bits["dense_bits"] == 64 * 128 * 8
    assert bits["total_bits"] < bits["dense_bits"]
