"""How the executor stores the integer codes of a quantized graph.

Codes are stored in the narrowest of int16, int32 and int64 that holds every code of
their numeric type (`storage_dtype`): an int8 activation takes a quarter of the memory
traffic of int64, and the ops between two multiply-accumulates (requantize, batch-norm
scale and shift, ReLU, concatenation) run in int32 where their bounds allow it.

Only ops that declare `OpDef.narrow_codes` see narrow codes: their `compute_int` accepts
codes in any of the three dtypes, never lets an intermediate overflow a narrow dtype, and
may return any integer dtype, which the executor then stores in the output type's storage
dtype. Every other op gets its codes widened to int64 first (`widen`), as before. Inside
`int64_reference()` every code stays int64, so the reference path is unchanged.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.numerics.types import Fixed, Int

_NARROW = (np.dtype(np.int16), np.dtype(np.int32))


def storage_dtype(dtype: object) -> np.dtype | None:
    """The numpy dtype the executor stores codes of the Fixed or Int type `dtype` in: the
    narrowest of int16, int32, int64 holding its range (None for any other dtype)."""
    if not isinstance(dtype, Fixed | Int):
        return None
    for candidate in _NARROW:
        info = np.iinfo(candidate)
        if info.min <= dtype.min_code and dtype.max_code <= info.max:
            return candidate
    return np.dtype(np.int64)


def is_narrow(array: np.ndarray) -> bool:
    """Whether `array` holds codes in a storage dtype narrower than int64."""
    return array.dtype in _NARROW


def widen(array: np.ndarray) -> np.ndarray:
    """`array` as int64 codes (itself when it is not a narrow code array)."""
    return array.astype(np.int64) if is_narrow(array) else array


def compute_dtype(peak: int) -> np.dtype:
    """The narrowest of int16, int32 and int64 holding every intermediate of a computation
    whose magnitudes stay within `peak`."""
    for candidate in _NARROW:
        if peak <= np.iinfo(candidate).max:
            return candidate
    return np.dtype(np.int64)


def relu(codes: np.ndarray) -> np.ndarray:
    """max(codes, 0) for signed integer codes as two bit operations (the sign mask,
    inverted, ANDed with the codes): several times faster than numpy's integer maximum."""
    mask = codes >> (codes.dtype.itemsize * 8 - 1)
    np.invert(mask, out=mask)
    mask &= codes
    return mask
