"""Weight quantizers of the Mamba-2 linear layers, conv and SSM constants.

A linear weight is W ~ q * m * 2^E with integer codes q [N, K], one integer
multiplier m per (row, group of input channels) and one exponent E per layer:
- two_shifts (LightMamba): m = 2^s1 + 2^s2 with 0 <= s2 <= s1 <= 7, the pair chosen
  per (row, group) to minimize the squared error of the group;
- row: m = round(max|w_row| / qmax / 2^E), 15 bits (a multiplier per output channel);
- tensor: one m for the whole tensor.
"""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.quant.lightmamba.spec import MambaQuantSpec

PAIRS = np.array(sorted({(1 << a) + (1 << b) for a in range(8) for b in range(a + 1)}))


def _codes(w: np.ndarray, scale: np.ndarray, bits: int) -> np.ndarray:
    top = (1 << (bits - 1)) - 1
    return np.clip(np.round(w / scale), -top - 1, top)


def quantize_weight(w: np.ndarray, spec: MambaQuantSpec):
    """(q [N,K], m [N,G], E, group) of weight `w` [N, K]."""
    n, k = w.shape
    bits, qmax = spec.w_bits, (1 << (spec.w_bits - 1)) - 1
    if spec.weight_scale == "two_shifts":
        group = spec.w_group if spec.w_group and k % spec.w_group == 0 else k
        parts = w.reshape(n, k // group, group)
        sigma = np.abs(parts).max(axis=-1) / qmax
        exp = math.ceil(math.log2(max(float(sigma.max()), 1e-30) / PAIRS[-1]))
        best_err = np.full(sigma.shape, np.inf)
        best_m = np.ones(sigma.shape, dtype=np.int64)
        for m in PAIRS:
            scale = m * 2.0**exp
            err = ((parts - _codes(parts, scale, bits) * scale) ** 2).sum(axis=-1)
            better = err < best_err
            best_err, best_m = np.where(better, err, best_err), np.where(better, m, best_m)
        q = _codes(parts, best_m[..., None] * 2.0**exp, bits).reshape(n, k)
        return q.astype(np.int64), best_m, exp, group
    if spec.weight_scale == "row":
        sigma = np.maximum(np.abs(w).max(axis=1, keepdims=True) / qmax, 1e-30)
    else:
        sigma = np.full((n, 1), max(float(np.abs(w).max()) / qmax, 1e-30))
    exp = math.floor(math.log2(float(sigma.max()))) - 14
    m = np.maximum(np.round(sigma / 2.0**exp), 1).astype(np.int64)
    q = _codes(w, m * 2.0**exp, bits)
    return q.astype(np.int64), m, exp, k


def shifts_for(absmax: np.ndarray, bits: int, group: int) -> np.ndarray:
    """Per element of `absmax` [C], a shift s (shared by groups of `group`) with
    absmax * 2^s within the signed `bits`-bit range."""
    c = len(absmax)
    top = np.array(absmax, dtype=np.float64)
    pad = (-c) % group
    grouped = np.concatenate([top, np.zeros(pad)]).reshape(-1, group).max(axis=1)
    limit = (1 << (bits - 1)) - 1
    s = np.floor(np.log2(limit / np.maximum(grouped, 1e-30))).astype(np.int64)
    s = np.clip(s, -16, 30)
    return np.repeat(s, group)[:c]
