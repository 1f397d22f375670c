"""Comparison and selection: Compare (greater, less, equal, ...) and Where."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.elementwise import broadcast_batch_safe
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register

_COMPARE = {
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "equal": np.equal,
}


@register
class Compare(OpDef):
    name = "Compare"
    traits: frozenset[Trait] = frozenset({Trait.ELEMENTWISE})
    attrs = {"kind": REQUIRED}
    min_inputs, max_inputs = 2, 2
    doc = "Broadcasting comparison a <kind> b giving booleans (greater, less, equal, ...)."
    integer_exact = True

    def infer(self, node: Node) -> list[TensorType]:
        a, b = node.inputs[0], node.inputs[1]
        assert a is not None and b is not None
        if node.attrs["kind"] not in _COMPARE:
            raise self.fail(
                node, f"comparison {node.attrs['kind']!r} is not one of {', '.join(_COMPARE)}"
            )
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise self.fail(node, f"shapes {a.shape} and {b.shape} do not broadcast") from None
        return [(shape, np.dtype(bool))]

    def compute(self, node: Node, a, b) -> list[np.ndarray]:
        return [_COMPARE[node.attrs["kind"]](a, b)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)


@register
class Where(OpDef):
    name = "Where"
    traits: frozenset[Trait] = frozenset({Trait.ELEMENTWISE})
    attrs = {}
    min_inputs, max_inputs = 3, 3
    doc = "numpy.where(condition, a, b) with broadcasting."
    integer_exact = True

    def infer(self, node: Node) -> list[TensorType]:
        c, a, b = node.inputs
        assert c is not None and a is not None and b is not None
        try:
            shape = np.broadcast_shapes(c.shape, a.shape, b.shape)
        except ValueError:
            raise self.fail(
                node, f"shapes {c.shape}, {a.shape}, {b.shape} do not broadcast"
            ) from None
        return [(shape, np.result_type(a.dtype, b.dtype))]

    def compute(self, node: Node, c, a, b) -> list[np.ndarray]:
        return [np.where(c, a, b).astype(np.result_type(a, b), copy=False)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)
