"""The K x K sign ROM of `ff_hadamard`: one K-bit word per row of H_K, bit j set where
H_K[i][j] = -1 (`fpgaforge.numerics.hadamard.base_matrix`)."""

from __future__ import annotations

from fpgaforge.numerics.hadamard import base_matrix


def sign_rows(k: int) -> list[int]:
    """The ROM words of H_k (k in 12, 20, 28, 40), row 0 first."""
    h = base_matrix(k)
    return [sum(1 << j for j in range(k) if h[i, j] < 0) for i in range(k)]
