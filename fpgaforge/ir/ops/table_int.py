"""Integer semantics of the table-based row ops: Softmax and LRN.

Both read a table the quantizer computed (`node.quant.table`, a `CodeTable`:
`values[clip((i - offset) >> shift, 0, len - 1)]`) and otherwise use only integer
adds, multiplies, shifts and one integer division, exactly as the HLS kernels
(`softmax.h`, `lrn.h`) do.

Softmax (table softmax in the style of hls4ml): per row, d = max(x) − x ≥ 0 (an exact
code distance), e = exp_table[d] (entries round(2^EXP_FRAC · exp(−d · lsb)), so
e = 2^EXP_FRAC at the maximum), s = Σ e, y = floor(e · 2^F / s) with F the output's
fractional bits. y ∈ [0, 2^F], so the output type is unsigned with F + 1 bits.

LRN: per element, q = Σ x² over the `size` channels around it (exact), f =
factor_table[q] (entries round(2^G · (bias + alpha/size · q · lsb²)^−beta)), y = x · f:
the product at lsb · 2^−G, which a Requant narrows to the output type.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.quant_info import CodeTable


def lookup(table: CodeTable, index: np.ndarray) -> np.ndarray:
    """`table` at integer `index` (clamped to its entries)."""
    values = np.asarray(table.values, dtype=np.int64)
    k = (np.asarray(index, dtype=np.int64) - int(table.offset)) >> int(table.shift)
    return values[np.clip(k, 0, len(values) - 1)]


def softmax_codes(x: np.ndarray, axis: int, table: CodeTable, frac: int) -> np.ndarray:
    """Table softmax of codes `x` along `axis`: floor(e · 2^frac / Σ e) per row."""
    codes = np.asarray(x, dtype=np.int64)
    d = codes.max(axis=axis, keepdims=True) - codes
    e = lookup(table, d)
    s = e.sum(axis=axis, keepdims=True)
    return (e << frac) // s


def channel_square_sums(x: np.ndarray, size: int) -> np.ndarray:
    """Σ x² over the `size` channels (axis 1) around each element, zero outside (ONNX LRN)."""
    codes = np.asarray(x, dtype=np.int64)
    before, after = (size - 1) // 2, size - 1 - (size - 1) // 2
    square = codes * codes
    padded = np.pad(square, [(0, 0), (before, after)] + [(0, 0)] * (codes.ndim - 2))
    channels = codes.shape[1]
    total = np.zeros_like(square)
    for i in range(size):
        total += padded[:, i : i + channels]
    return total


def lrn_codes(x: np.ndarray, size: int, table: CodeTable) -> np.ndarray:
    """x · factor_table[Σ x²] on codes (the product's codes, before the Requant)."""
    codes = np.asarray(x, dtype=np.int64)
    return codes * lookup(table, channel_square_sums(codes, size))
