"""Hadamard matrices of size n = K * 2^k for K in {1, 12, 20, 28, 40}.

H_n = H_K (x) H_(2^k) (Kronecker product, Sylvester for the power of two), the
QuaRot construction for sizes that are not powers of two. H_12 and H_20 come from
Paley's first construction (q = 11, 19), H_28 from Paley's second (q = 13) and
H_40 = H_2 (x) H_20. Entries are +-1; H H^T = n I. The transform
`fwht(x, n)` applies H_n along the last axis without forming H_n: a fast
Walsh-Hadamard transform over the 2^k factor, then the small K x K matrix.
"""

from __future__ import annotations

import functools

import numpy as np

BASE_SIZES = (1, 12, 20, 28, 40)
"""The K of n = K * 2^k that have a construction."""


def _legendre(a: int, q: int) -> int:
    a %= q
    if a == 0:
        return 0
    return 1 if pow(a, (q - 1) // 2, q) == 1 else -1


def _jacobsthal(q: int) -> np.ndarray:
    return np.array([[_legendre(j - i, q) for j in range(q)] for i in range(q)], dtype=np.int64)


def _paley1(q: int) -> np.ndarray:
    """Size q + 1 for a prime q = 3 mod 4."""
    n = q + 1
    s = np.zeros((n, n), dtype=np.int64)
    s[0, 1:] = 1
    s[1:, 0] = -1
    s[1:, 1:] = _jacobsthal(q)
    return np.eye(n, dtype=np.int64) + s


def _paley2(q: int) -> np.ndarray:
    """Size 2 (q + 1) for a prime q = 1 mod 4."""
    n = q + 1
    c = np.zeros((n, n), dtype=np.int64)
    c[0, 1:] = 1
    c[1:, 0] = 1
    c[1:, 1:] = _jacobsthal(q)
    plus = np.array([[1, -1], [-1, -1]], dtype=np.int64)
    eye = np.array([[1, 1], [1, -1]], dtype=np.int64)
    return np.kron(c, plus) + np.kron(np.eye(n, dtype=np.int64), eye)


def _sylvester(n: int) -> np.ndarray:
    h = np.ones((1, 1), dtype=np.int64)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


@functools.cache
def base_matrix(k: int) -> np.ndarray:
    """The K x K Hadamard matrix for K in BASE_SIZES (read-only)."""
    if k == 1:
        h = np.ones((1, 1), dtype=np.int64)
    elif k == 12:
        h = _paley1(11)
    elif k == 20:
        h = _paley1(19)
    elif k == 28:
        h = _paley2(13)
    elif k == 40:
        h = np.kron(_sylvester(2), _paley1(19))
    else:
        raise ValueError(f"no Hadamard construction for base size {k}")
    h.setflags(write=False)
    return h


def decompose(n: int) -> tuple[int, int] | None:
    """(K, 2^k) with n = K * 2^k and K in BASE_SIZES (largest power of two), or None."""
    if n < 1:
        return None
    for k in BASE_SIZES:
        if n % k == 0:
            p = n // k
            if p & (p - 1) == 0:
                return k, p
    return None


def has_construction(n: int) -> bool:
    return decompose(n) is not None


def matrix(n: int) -> np.ndarray:
    """The n x n +-1 Hadamard matrix H_K (x) H_(2^k) (int64)."""
    parts = decompose(n)
    if parts is None:
        raise ValueError(f"no Hadamard construction for size {n}")
    k, p = parts
    return np.kron(base_matrix(k), _sylvester(p))


def _butterflies(x: np.ndarray, p: int) -> np.ndarray:
    """Unnormalized Sylvester transform over the last axis of length p (a power of two)."""
    shape = x.shape
    y = x.reshape(-1, p)
    h = 1
    while h < p:
        y = y.reshape(-1, p // (2 * h), 2, h)
        a, b = y[:, :, 0, :], y[:, :, 1, :]
        y = np.stack([a + b, a - b], axis=2)
        h *= 2
    return y.reshape(shape)


def transform(x: np.ndarray, n: int | None = None) -> np.ndarray:
    """x @ H_n^T along the last axis, unnormalized; exact on integer arrays."""
    n = x.shape[-1] if n is None else n
    parts = decompose(n)
    if parts is None:
        raise ValueError(f"no Hadamard construction for size {n}")
    k, p = parts
    lead = x.shape[:-1]
    y = _butterflies(np.asarray(x).reshape(*lead, k, p), p)
    if k > 1:
        base = base_matrix(k).astype(y.dtype if y.dtype.kind == "f" else np.int64)
        y = np.einsum("ij,...jp->...ip", base, y)
    return y.reshape(*lead, n)
