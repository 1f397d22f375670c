"""N:M structured sparsity: the pattern, its check, and its compressed layout.

In every group of `m` consecutive weights along the reduction axis at most `n` are
non-zero. Hardware stores each group as `n` values and `n` indices (each
ceil(log2 m) bits, the position of the value inside its group); a group with fewer
than `n` non-zeros pads with zero values. `compress` and `decompress` convert between
the dense array and that layout, `sparse_matmul` is the integer product the N:M MAC
array computes from it (each of the `n` multipliers selects its activation by index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fpgaforge.errors import SparsityError


@dataclass(frozen=True)
class NMPattern:
    """An N:M pattern: at most `n` non-zeros in every `m` consecutive weights."""

    n: int
    m: int

    def __post_init__(self) -> None:
        n, m = int(self.n), int(self.m)
        if not 0 < n <= m:
            raise SparsityError(
                f"An N:M pattern needs 0 < N <= M, got {self.n}:{self.m}; write it as '2:8'."
            )
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "m", m)

    @classmethod
    def parse(cls, text: str | tuple[int, int] | NMPattern) -> NMPattern:
        """'2:8', (2, 8) or a pattern; a SparsityError for anything else."""
        if isinstance(text, NMPattern):
            return text
        if isinstance(text, tuple | list) and len(text) == 2:
            return cls(int(text[0]), int(text[1]))
        parts = str(text).strip().split(":")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise SparsityError(
                f"Sparsity pattern {text!r} is not N:M; write it as two integers, e.g. '2:8'."
            )
        return cls(int(parts[0]), int(parts[1]))

    @property
    def index_bits(self) -> int:
        """Bits of one stored index: ceil(log2 m), at least 1."""
        return max(1, math.ceil(math.log2(self.m)))

    @property
    def density(self) -> float:
        return self.n / self.m

    def __str__(self) -> str:
        return f"{self.n}:{self.m}"


def _groups(array: np.ndarray, m: int, axis: int, what: str) -> np.ndarray:
    """`array` with `axis` moved last and split into groups: shape (..., length/m, m)."""
    a = np.moveaxis(np.asarray(array), axis, -1)
    length = a.shape[-1]
    if length % m:
        raise SparsityError(
            f"{what} has {length} weights along its reduction axis, not a multiple of M={m}; "
            f"choose an M that divides {length} or keep this layer dense."
        )
    return a.reshape(*a.shape[:-1], length // m, m)


def group_counts(array: np.ndarray, m: int, axis: int = -1, what: str = "The tensor") -> np.ndarray:
    """Non-zeros in every group of `m` along `axis` (shape: the groups)."""
    return np.count_nonzero(_groups(array, m, axis, what), axis=-1)


def is_nm(array: np.ndarray, pattern: NMPattern, axis: int = -1) -> bool:
    """True when `array` has at most n non-zeros per group of m along `axis` (and m
    divides that axis)."""
    a = np.asarray(array)
    if a.shape[axis] % pattern.m:
        return False
    return bool((group_counts(a, pattern.m, axis) <= pattern.n).all())


def validate(
    array: np.ndarray, pattern: NMPattern, axis: int = -1, what: str = "The tensor"
) -> None:
    """A SparsityError naming the first group with more than n non-zeros."""
    counts = group_counts(array, pattern.m, axis, what)
    bad = np.argwhere(counts > pattern.n)
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        raise SparsityError(
            f"{what} is not {pattern} sparse: group {where} (groups of {pattern.m} along axis "
            f"{axis}) has {int(counts[where])} non-zeros; prune it (quantize with --sparsity "
            f"{pattern}) or train it with fpgaforge.quant.sat."
        )


def compress(
    array: np.ndarray, pattern: NMPattern, axis: int = -1, what: str = "The tensor"
) -> tuple[np.ndarray, np.ndarray]:
    """(values, indices) of an N:M array: both shaped like `array` with `axis` moved last
    and its length scaled by n/m. Within a group, kept positions are in increasing order;
    a group with fewer than n non-zeros is padded with zero values at the lowest unused
    positions. Raises SparsityError when the array is not N:M."""
    validate(array, pattern, axis, what)
    g = _groups(array, pattern.m, axis, what)
    # non-zeros first (stable, so in position order), then zero positions in order
    order = np.argsort(g == 0, axis=-1, kind="stable")[..., : pattern.n]
    indices = np.sort(order, axis=-1)
    values = np.take_along_axis(g, indices, axis=-1)
    shape = (*g.shape[:-2], g.shape[-2] * pattern.n)
    return values.reshape(shape), indices.reshape(shape).astype(np.int64)


def decompress(
    values: np.ndarray, indices: np.ndarray, pattern: NMPattern, axis: int = -1
) -> np.ndarray:
    """The dense array of `compress`'s output (`axis` put back where it was)."""
    v = np.asarray(values)
    groups = v.shape[-1] // pattern.n
    vg = v.reshape(*v.shape[:-1], groups, pattern.n)
    ig = np.asarray(indices, np.int64).reshape(vg.shape)
    dense = np.zeros((*v.shape[:-1], groups, pattern.m), dtype=v.dtype)
    np.put_along_axis(dense, ig, vg, axis=-1)
    return np.moveaxis(dense.reshape(*v.shape[:-1], groups * pattern.m), -1, axis)


def sparse_matmul(
    x: np.ndarray, values: np.ndarray, indices: np.ndarray, pattern: NMPattern
) -> np.ndarray:
    """x @ W.T in int64 from W's compressed rows ([out, in·n/m] values and indices, as
    `compress(W, pattern, axis=1)` gives): every product takes the activation its index
    selects inside its group of m, as the N:M MAC array does."""
    x = np.asarray(x, np.int64)
    values = np.asarray(values, np.int64)
    out, stored = values.shape
    groups = stored // pattern.n
    # the activation position each stored value multiplies: group start + index
    starts = np.repeat(np.arange(groups, dtype=np.int64) * pattern.m, pattern.n)
    positions = starts[None, :] + np.asarray(indices, np.int64)
    selected = x[..., positions]  # (..., out, stored)
    return np.einsum("...os,os->...o", selected, values)


def storage_bits(
    shape: tuple[int, ...], pattern: NMPattern, value_bits: int, axis: int = -1
) -> dict:
    """Storage of a weight tensor in the compressed layout: values, indices, total, and
    the dense layout's bits for comparison."""
    total = int(np.prod(shape, dtype=np.int64))
    if shape[axis] % pattern.m:
        raise SparsityError(
            f"A weight of shape {tuple(shape)} has {shape[axis]} weights along axis {axis}, "
            f"not a multiple of M={pattern.m}."
        )
    kept = total // pattern.m * pattern.n
    values = kept * value_bits
    indices = kept * pattern.index_bits
    return {
        "values_bits": values,
        "index_bits": indices,
        "total_bits": values + indices,
        "dense_bits": total * value_bits,
    }


def prune(
    array: np.ndarray, pattern: NMPattern, axis: int = -1, what: str = "The tensor"
) -> np.ndarray:
    """Keep the n largest-magnitude entries of every group of m along `axis` (ties go to
    the lower position); the others become zero."""
    a = np.asarray(array)
    g = _groups(a, pattern.m, axis, what)
    order = np.argsort(-np.abs(g), axis=-1, kind="stable")[..., : pattern.n]
    mask = np.zeros(g.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=-1)
    kept = np.where(mask, g, np.zeros((), dtype=g.dtype)).reshape(np.moveaxis(a, axis, -1).shape)
    return np.moveaxis(kept, -1, axis)
