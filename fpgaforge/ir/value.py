"""Values: the edges of the graph (activations and constants)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fpgaforge.ir.node import Node

Shape = tuple[int, ...]
"""A static tensor shape. Dimension 0 of an activation is its batch dimension."""


@dataclass(eq=False)
class Value:
    """A tensor in the graph: a graph input, a node output or a constant.

    `shape` is static. `dtype` is a numpy dtype for float and index tensors; the
    quantizer may replace it by a numeric type (`Fixed`, `Int`, ...) later.
    A constant carries its data in `const` and has no producer.
    """

    name: str
    shape: Shape
    dtype: Any = np.dtype(np.float32)
    const: np.ndarray | None = None
    producer: Node | None = field(default=None, repr=False)
    users: list[Node] = field(default_factory=list, repr=False)

    @property
    def is_constant(self) -> bool:
        """True when the value is known at import time (weights, folded shapes)."""
        return self.const is not None

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        kind = "const " if self.is_constant else ""
        return f"<{kind}Value {self.name!r} {self.shape_str()} {dtype_name(self.dtype)}>"

    def shape_str(self) -> str:
        """The shape written as `1x3x8x8` (`scalar` for rank 0)."""
        return "x".join(str(d) for d in self.shape) if self.shape else "scalar"


def dtype_name(dtype: Any) -> str:
    """A short, human-readable name of a dtype or numeric type."""
    if isinstance(dtype, np.dtype):
        return dtype.name
    return str(dtype)


def constant(name: str, data: np.ndarray | float | int) -> Value:
    """Create a constant Value holding `data` (which is copied and made read-only)."""
    array = np.array(data, copy=True)
    array.setflags(write=False)
    return Value(
        name=name, shape=tuple(int(d) for d in array.shape), dtype=array.dtype, const=array
    )
