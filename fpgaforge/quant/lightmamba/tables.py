"""Function tables of the integer Mamba-2 step (integer entries, built once in float64).

An `IntTable` reads entry round(x at frac_t) - lo, clamped to the table; SiLU and
softplus cover [-8, 8) with 2^table_bits entries and give x itself above; exp covers
[-16, 0]; rsqrt maps an integer m < 2^bits to round(2^r_bits / sqrt(m)).
"""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.ops.ssm import silu, softplus


def _sampled(func, frac_in: int, frac_out: int, table_bits: int, span: int, above: str):
    frac_t = table_bits - span
    lo = -(1 << (table_bits - 1))
    x = (lo + np.arange(1 << table_bits)) * 2.0**-frac_t
    table = np.floor(func(x) * 2.0**frac_out + 0.5).astype(np.int64)
    attrs = {"frac_in": frac_in, "frac_t": frac_t, "lo": lo, "frac_out": frac_out,
             "above": above, "func": func.__name__}  # fmt: skip
    return table, attrs


def silu_table(frac_in: int, frac_out: int, table_bits: int):
    """(table, IntTable attributes) of SiLU on [-8, 8)."""
    return _sampled(silu, frac_in, frac_out, table_bits, 4, "identity")


def softplus_table(frac_in: int, frac_out: int, table_bits: int):
    """(table, IntTable attributes) of softplus on [-8, 8)."""
    return _sampled(softplus, frac_in, frac_out, table_bits, 4, "identity")


def exp_table(frac_out: int, table_bits: int) -> tuple[np.ndarray, int, int]:
    """(table, frac_t, lo) of exp on [-16, 0]: entry i is exp((lo + i) 2^-frac_t)."""
    frac_t = table_bits - 4
    lo = -(1 << table_bits)
    x = (lo + np.arange((1 << table_bits) + 1)) * 2.0**-frac_t
    return np.floor(np.exp(x) * 2.0**frac_out + 0.5).astype(np.int64), frac_t, lo


def rsqrt_table(bits: int, r_bits: int) -> np.ndarray:
    """Entry m: round(2^r_bits / sqrt(m)) for m >= 1 (entry 0 as entry 1)."""
    m = np.maximum(np.arange(1 << bits), 1).astype(np.float64)
    return np.floor(2.0**r_bits / np.sqrt(m) + 0.5).astype(np.int64)
