"""K-hot weights: at most K non-zero signed digits (canonical signed digit, CSD).

A weight code with K non-zero CSD digits multiplies as K shifts and K−1 adds, so
a K-hot layer needs no DSP. `project` maps every code to the nearest integer whose
CSD form has at most K non-zero digits (ties go to the smaller magnitude).
"""

from __future__ import annotations

import functools

import numpy as np


def csd_digits(value: int) -> int:
    """Number of non-zero digits in the canonical signed-digit (non-adjacent) form of `value`."""
    n = abs(int(value))
    count = 0
    while n:
        if n & 1:
            digit = 2 - (n & 3)  # +1 when n ≡ 1 (mod 4), −1 when n ≡ 3 (mod 4)
            n -= digit
            count += 1
        n >>= 1
    return count


@functools.lru_cache(maxsize=64)
def allowed_codes(width: int, k: int, signed: bool = True) -> np.ndarray:
    """Sorted codes of a `width`-bit type that have at most `k` non-zero CSD digits."""
    if width > 20:
        raise ValueError(f"K-hot tables are limited to 20-bit weights, got {width}")
    low, high = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    codes = np.arange(low, high + 1, dtype=np.int64)
    keep = np.fromiter((csd_digits(int(c)) <= k for c in codes), dtype=bool, count=len(codes))
    return codes[keep]


def project(codes: np.ndarray, width: int, k: int, signed: bool = True) -> np.ndarray:
    """Nearest K-hot code for every code (ties toward the smaller magnitude)."""
    table = allowed_codes(width, k, signed)
    flat = np.asarray(codes, dtype=np.int64).reshape(-1)
    right = np.clip(np.searchsorted(table, flat), 0, len(table) - 1)
    left = np.clip(right - 1, 0, len(table) - 1)
    lo, hi = table[left], table[right]
    pick_hi = (np.abs(hi - flat) < np.abs(flat - lo)) | (
        (np.abs(hi - flat) == np.abs(flat - lo)) & (np.abs(hi) < np.abs(lo))
    )
    return np.where(pick_hi, hi, lo).reshape(np.shape(codes))
