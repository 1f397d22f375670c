"""Size limits that keep a hostile or mistaken model from exhausting memory.

Every tensor shape that enters a Graph (an input, a node output from its shape rule, a
folded constant) is checked against `max_elements()` before anything of that size is
allocated. The limit is `FPGAFORGE_MAX_ELEMENTS` from the environment, 268435456 (2**28,
1 GiB of float32) by default.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from fpgaforge.errors import ShapeError, UsageError

DEFAULT_MAX_ELEMENTS = 2**28
ENV = "FPGAFORGE_MAX_ELEMENTS"


def max_elements() -> int:
    """The largest number of elements one tensor may have (`FPGAFORGE_MAX_ELEMENTS`)."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_MAX_ELEMENTS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(
            f"{ENV}={text!r} is not a positive integer; unset it or give e.g. {ENV}=268435456."
        )
    return value


def elements(shape: Iterable[int]) -> int:
    """The number of elements of `shape`, with Python integers (no overflow)."""
    total = 1
    for dim in shape:
        total *= int(dim)
    return total


def check_shape(shape: Iterable[int], what: str) -> None:
    """Raise ShapeError when `shape` has a negative dimension or too many elements.

    `what` names the tensor, e.g. "output 0 of node 'conv1' (Conv)"."""
    dims = [int(d) for d in shape]
    if any(d < 0 for d in dims):
        raise ShapeError(
            f"{what} has a negative dimension (shape {_text(dims)}); the model is malformed."
        )
    count = elements(dims)
    limit = max_elements()
    if count > limit:
        raise ShapeError(
            f"{what} would have {count} elements (shape {_text(dims)}), above the limit of "
            f"{limit}; check the model's shapes or raise {ENV}."
        )


def _text(dims: list[int]) -> str:
    text = "x".join(str(d) for d in dims) if dims else "scalar"
    return text if len(text) <= 80 else text[:79] + "…"
