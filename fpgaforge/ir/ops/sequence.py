"""Token embedding: the lookup at the front of a language model."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import OpDef, TensorType, Trait, register


@register
class Embedding(OpDef):
    name = "Embedding"
    traits: frozenset[Trait] = frozenset()
    attrs = {}
    min_inputs, max_inputs = 2, 2
    doc = "table[tokens]: integer tokens [N, ...] and a table [V, D] give [N, ..., D]."
    integer_exact = True

    def infer(self, node: Node) -> list[TensorType]:
        tokens, table = node.inputs[0], node.inputs[1]
        assert tokens is not None and table is not None
        if table.rank != 2:
            raise self.fail(node, f"table {table.name!r} must be [vocab, dim], got {table.shape}")
        if not (isinstance(tokens.dtype, np.dtype) and tokens.dtype.kind in "iu"):
            raise self.fail(node, f"tokens {tokens.name!r} must be integers")
        return [((*tokens.shape, table.shape[1]), table.dtype)]

    def compute(self, node: Node, tokens, table) -> list[np.ndarray]:
        vocab = table.shape[0]
        if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab):
            raise self.fail(node, f"a token is outside 0..{vocab - 1}")
        return [np.take(table, tokens, axis=0)]
