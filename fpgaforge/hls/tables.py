"""Python-computed tables and bit-exact models of the softmax and layer-norm kernels.

The quantizer's integer Softmax is `fpgaforge.ir.ops.table_int.softmax_codes` (the same
arithmetic as `softmax_reference` here); it emits no integer LayerNorm yet, so the
layer-norm table and model are what `layernorm.h` is tested against.
"""

from __future__ import annotations

import numpy as np


def exp_table(size: int, lsb: float, exp_frac: int) -> np.ndarray:
    """Entry d = round(2**exp_frac * exp(-d * lsb)) for input code distances d = 0..size-1."""
    return np.round(np.exp(-np.arange(size) * lsb) * (1 << exp_frac)).astype(np.int64)


def softmax_reference(
    x: np.ndarray, table: np.ndarray, out_frac: int, shift: int = 0
) -> np.ndarray:
    """Exactly softmax.h: e = table[min((max - x) >> SHIFT, SIZE-1)], y = floor(e << OUT_FRAC / sum e)
    per row."""
    x = np.asarray(x, dtype=np.int64)
    d = np.minimum((x.max(axis=-1, keepdims=True) - x) >> shift, len(table) - 1)
    e = table[d]
    return (e << out_frac) // e.sum(axis=-1, keepdims=True)


def rsqrt_table(size: int, vshift: int, n: int, rfrac: int, eps_codes: float) -> np.ndarray:
    """Entry k ≈ 2**rfrac / sqrt(V) for V = (k << vshift) (+ n² · eps in code units), V = N²·variance;
    multiplying N·x − S by it gives (x − mean) / std in units of 2**-rfrac."""
    v = (np.arange(size, dtype=np.float64) * (1 << vshift)) + n * n * eps_codes
    return np.minimum(np.round((1 << rfrac) / np.sqrt(v)), (1 << 16) - 1).astype(np.int64)


def layernorm_reference(x, table, gamma, beta, vshift: int, shift: int) -> np.ndarray:
    """Exactly layernorm.h on rows of codes."""
    x = np.asarray(x, dtype=np.int64)
    n = x.shape[-1]
    s = x.sum(axis=-1, keepdims=True)
    q = (x * x).sum(axis=-1, keepdims=True)
    v = n * q - s * s
    r = table[np.minimum(v >> vshift, len(table) - 1)]
    y = ((n * x - s) * r) >> shift
    return y * np.asarray(gamma) + np.asarray(beta)
