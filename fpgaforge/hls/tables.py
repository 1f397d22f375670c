"""Python-computed tables and a bit-exact model of the softmax kernel.

The quantizer's integer Softmax is `fpgaforge.ir.ops.table_int.softmax_codes` (the same
arithmetic as `softmax_reference` here, which also covers the kernel's bucketing shift).
The integer LayerNorm's model is `fpgaforge.ir.ops.table_int.layernorm_codes` and its
table `fpgaforge.quant.lower.layernorm.rsqrt_table`.
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
