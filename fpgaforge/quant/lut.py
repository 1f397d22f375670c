"""Lookup tables for non-linear activations on integer codes.

A table maps an input code to an output code:
    index = clip((code - offset) >> shift, 0, len(values) - 1);  y = values[index]
Python computes `values` once from the float function (in float64, then quantized
to the output type with its rounding and overflow); the emulator, the HLS kernels and
the RTL ROMs all use these same values, so they agree bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fpgaforge.numerics.fixed import to_float
from fpgaforge.numerics.types import Fixed, Int

MAX_INDEX_BITS = 10
"""Tables have at most 2**MAX_INDEX_BITS entries; wider inputs drop low bits."""


@dataclass(frozen=True)
class LookupTable:
    """An activation table over the codes of an input type (see the module docstring)."""

    offset: int
    shift: int
    values: np.ndarray = field(compare=False)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        index = (np.asarray(codes, dtype=np.int64) - self.offset) >> self.shift
        return self.values[np.clip(index, 0, len(self.values) - 1)]

    def to_dict(self) -> dict:
        return {"offset": self.offset, "shift": self.shift, "values": self.values.tolist()}


def build_table(
    function: Callable[[np.ndarray], np.ndarray],
    in_type: Fixed | Int,
    out_type: Fixed | Int,
    quantize_output: Callable[[np.ndarray, Fixed | Int], np.ndarray],
    index_bits: int = MAX_INDEX_BITS,
) -> LookupTable:
    """Tabulate `function` over every input code (or every 2**shift-th one).

    Entry i stands for the input code `offset + (i << shift)`: the lowest code of
    its bucket, so a table lookup is a truncation of the input to the table's
    index precision.
    """
    shift = max(0, in_type.width - index_bits)
    offset = in_type.min_code
    count = ((in_type.max_code - in_type.min_code) >> shift) + 1
    codes = offset + (np.arange(count, dtype=np.int64) << shift)
    real = (
        to_float(codes, in_type)
        if not (
            isinstance(in_type, Int)
            and in_type.scale is not None
            and in_type.scale.axis is not None
        )
        else None
    )
    if real is None:
        raise ValueError("per-channel input scales cannot index one table")
    with np.errstate(all="ignore"):
        values = np.asarray(function(real.astype(np.float64)), dtype=np.float64)
    return LookupTable(offset, shift, np.asarray(quantize_output(values, out_type), dtype=np.int64))
