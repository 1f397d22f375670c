"""Power-of-two integer arithmetic of LightMamba-style quantization (int64 numpy).

- `shift_round(x, s)`: x * 2^-s rounded half up (floor((x + 2^(s-1)) / 2^s)) for s > 0,
  x * 2^-s exactly for s <= 0; `s` may be an array.
- `pot_quantize(x, bits, group)`: per group of `group` consecutive elements of the last
  axis, shift s = clamp(bitlen(max|x|) - (bits - 1), 0, 15), q = saturate(x >> s
  rounded half up, bits); returns (q, s). `pot_fake(x, bits, group)` = q << s, the
  value the quantized tensor stands for, in x's units.
- `bitlen(x)`: the number of bits of |x| (0 for 0).
"""

from __future__ import annotations

import numpy as np

MAX_SHIFT = 15


def bitlen(x: np.ndarray) -> np.ndarray:
    """Bits needed for |x| (0 for 0), elementwise."""
    a = np.abs(np.asarray(x, dtype=np.int64))
    if a.size and int(a.max()) >= 1 << 52:
        out = np.zeros(a.shape, dtype=np.int64)
        for k in range(63):
            out += (a >> k) > 0
        return out
    return np.frexp(a.astype(np.float64))[1].astype(np.int64)  # exact below 2^53


def shift_round(x: np.ndarray, s) -> np.ndarray:
    """x * 2^-s, rounded half up for s > 0 (exact for s <= 0)."""
    x = np.asarray(x, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    pos = np.maximum(s, 0)
    half = np.where(pos > 0, np.left_shift(np.int64(1), np.maximum(pos - 1, 0)), 0)
    right = np.right_shift(x + half, pos)
    return np.where(s > 0, right, np.left_shift(x, np.maximum(-s, 0)))


def saturate(x: np.ndarray, bits: int) -> np.ndarray:
    """Clip to the signed `bits`-bit range."""
    return np.clip(x, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def pot_quantize(x: np.ndarray, bits: int, group: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes, shift per group) of x quantized to `bits` in groups along the last axis."""
    x = np.asarray(x, dtype=np.int64)
    n = x.shape[-1]
    g = min(group, n) if group > 0 else n
    if n % g:
        raise ValueError(f"last axis {n} is not a multiple of the group {g}")
    parts = x.reshape(*x.shape[:-1], n // g, g)
    top = np.abs(parts).max(axis=-1, keepdims=True)
    s = np.clip(bitlen(top) - (bits - 1), 0, MAX_SHIFT)
    q = saturate(shift_round(parts, s), bits)
    return q.reshape(x.shape), s[..., 0]


def pot_fake(x: np.ndarray, bits: int, group: int) -> np.ndarray:
    """The value of x quantized by `pot_quantize`, as codes in x's units (q << s)."""
    q, s = pot_quantize(x, bits, group)
    n = q.shape[-1]
    g = min(group, n) if group > 0 else n
    parts = q.reshape(*q.shape[:-1], n // g, g)
    return np.left_shift(parts, s[..., None]).reshape(q.shape)


def static_fake(x: np.ndarray, bits: int, shift: int) -> np.ndarray:
    """Quantization with one static shift: saturate(x >> shift rounded, bits) << shift."""
    return (
        np.left_shift(saturate(shift_round(x, shift), bits), max(shift, 0))
        if shift >= 0
        else (saturate(np.asarray(x, np.int64), bits))
    )
