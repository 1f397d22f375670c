"""Integer semantics of the table-based row ops: Softmax, LRN and LayerNorm.

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

LayerNorm: per row of n codes, S = Σ x and Q = Σ x² (exact), V = n·Q − S² + E (n² times
the variance in code² units, plus E = round(n² · epsilon / lsb²)). The even shift t (the
smallest with V >> t < 2^TB, TB the table's index bits) gives k = V >> t and r =
rsqrt_table[k] (entries round(2^R / sqrt(k)), entry 0 is 2^R), so r · 2^−(R + t/2) ≈
1 / sqrt(V). The normalized value z = (n·x − S) · r shifted right by R + t/2 − F and
rounded half up is (x − mean) / std at 2^−F; y = z · gamma + beta on codes (gamma at
2^−G, beta at 2^−(F + G)), which a Requant narrows to the output type.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.quant_info import CodeTable
from fpgaforge.numerics.pot import bitlen, shift_round


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


def rsqrt_shift(v: np.ndarray, index_bits: int) -> np.ndarray:
    """The smallest even t with v >> t < 2**index_bits (v >= 0)."""
    t = np.maximum(bitlen(v) - index_bits, 0)
    return t + (t & 1)


def layernorm_codes(
    x: np.ndarray,
    axis: int,
    gamma: np.ndarray,
    beta: np.ndarray | None,
    table: CodeTable,
    eps_codes: int,
    rsqrt_frac: int,
    norm_frac: int,
) -> np.ndarray:
    """Integer LayerNorm of codes `x` over axes axis..rank−1 (see the module docstring).

    `table` has 2**TB entries; gamma and beta are codes broadcast to the normalized shape.
    """
    codes = np.asarray(x, dtype=np.int64)
    rows = codes.reshape(*codes.shape[:axis], -1)
    n = rows.shape[-1]
    values = np.asarray(table.values, dtype=np.int64)
    index_bits = (len(values) - 1).bit_length()
    s = rows.sum(axis=-1, keepdims=True)
    v = n * (rows * rows).sum(axis=-1, keepdims=True) - s * s + int(eps_codes)
    t = rsqrt_shift(v, index_bits)
    r = values[v >> t]
    z = shift_round((n * rows - s) * r, int(rsqrt_frac) + t // 2 - int(norm_frac))
    y = z.reshape(codes.shape) * np.asarray(gamma, dtype=np.int64)
    if beta is not None:
        y = y + np.asarray(beta, dtype=np.int64)
    return y
