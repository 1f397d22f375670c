"""Dense (weights × activations) and MatMul (activations × activations)."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.codes import widen
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import intmac
from fpgaforge.ir.ops.registry import OpDef, TensorType, Trait, register
from fpgaforge.ir.quant_info import WeightKind
from fpgaforge.numerics import nm


@register
class Dense(OpDef):
    name = "Dense"
    integer_exact = True
    traits = frozenset({Trait.WEIGHTED, Trait.CONTRACTING, Trait.ACCUMULATING})
    attrs = {}
    min_inputs, max_inputs = 2, 3
    doc = "y = x @ weight.T + bias over the last axis; weight is [N, K]."
    narrow_codes = True

    def infer(self, node: Node) -> list[TensorType]:
        x, w = node.inputs[0], node.inputs[1]
        assert x is not None and w is not None
        if w.rank != 2:
            raise self.fail(node, f"weight {w.name!r} must be 2-D [out, in], got shape {w.shape}")
        if x.rank < 1 or x.shape[-1] != w.shape[1]:
            raise self.fail(
                node,
                f"input {x.name!r} has last dimension {x.shape[-1:]} but weight expects {w.shape[1]}",
            )
        bias = node.input(2)
        if bias is not None and bias.shape not in ((w.shape[0],), ()):
            raise self.fail(
                node, f"bias {bias.name!r} has shape {bias.shape}, expected ({w.shape[0]},)"
            )
        return [((*x.shape[:-1], w.shape[0]), x.dtype)]

    def compute(self, node: Node, x, w, b=None) -> list[np.ndarray]:
        y = np.matmul(x, w.T)
        if b is not None:
            y = y + b
        return [y.astype(np.result_type(x.dtype, w.dtype), copy=False)]

    def compute_int(self, node: Node, x, w, b=None) -> list[np.ndarray]:
        weights = node.quant.weights
        if weights.kind is WeightKind.N_M and weights.n_m is not None:
            return [self._sparse(node, x, w, b, nm.NMPattern(*weights.n_m))]
        fast = intmac.dense(node, x, w, b)
        return [fast] if fast is not None else self.compute(node, widen(x), w, b)

    def _sparse(self, node: Node, x, w, b, pattern: nm.NMPattern) -> np.ndarray:
        """An N:M layer: its weights must keep the pattern; the int64 reference multiplies
        from the compressed values and indices, as the N:M MAC array does."""
        what = f"The weight of {node.where()}"
        if not intmac.reference_mode():
            nm.validate(w, pattern, axis=1, what=what)
            fast = intmac.dense(node, x, w, b)
            if fast is not None:
                return fast
        values, indices = nm.compress(w, pattern, axis=1, what=what)
        y = nm.sparse_matmul(widen(x), values, indices, pattern)
        return y if b is None else y + np.asarray(b, np.int64)

    def macs(self, node: Node) -> int:
        x, w = node.inputs[0], node.inputs[1]
        assert x is not None and w is not None
        rows = int(np.prod(x.shape[:-1], dtype=np.int64))
        return rows * w.shape[0] * w.shape[1]


def matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The result shape of numpy.matmul(a, b), or None when they do not multiply."""
    if not a or not b:
        return None
    a2 = (1, *a) if len(a) == 1 else a
    b2 = (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        return None
    try:
        batch = np.broadcast_shapes(a2[:-2], b2[:-2])
    except ValueError:
        return None
    shape = (*batch, a2[-2], b2[-1])
    if len(a) == 1:
        shape = shape[:-2] + shape[-1:]
    if len(b) == 1:
        shape = shape[:-1]
    return tuple(int(d) for d in shape)


@register
class MatMul(OpDef):
    name = "MatMul"
    integer_exact = True
    traits = frozenset({Trait.CONTRACTING, Trait.ACCUMULATING})
    attrs = {}
    min_inputs, max_inputs = 2, 2
    doc = "numpy.matmul of two tensors (batched, broadcasting)."
    narrow_codes = True

    def infer(self, node: Node) -> list[TensorType]:
        a, b = node.inputs[0], node.inputs[1]
        assert a is not None and b is not None
        shape = matmul_shape(a.shape, b.shape)
        if shape is None:
            raise self.fail(node, f"shapes {a.shape} and {b.shape} do not multiply")
        return [(shape, np.result_type(a.dtype, b.dtype))]

    def compute(self, node: Node, a, b) -> list[np.ndarray]:
        return [np.matmul(a, b)]

    def compute_int(self, node: Node, a, b) -> list[np.ndarray]:
        fast = intmac.matmul(node, a, b)
        return [fast] if fast is not None else self.compute(node, widen(a), widen(b))

    def macs(self, node: Node) -> int:
        a, b = node.inputs[0], node.inputs[1]
        assert a is not None and b is not None
        out = node.outputs[0]
        k = a.shape[-1] if a.rank >= 1 else 1
        return out.size * k

    def batch_safe(self, node: Node) -> bool:
        a, b = node.inputs[0], node.inputs[1]
        assert a is not None and b is not None
        # dimension 0 is a batch only when both operands carry it as a leading batch axis
        return a.rank >= 3 and (b.is_constant or b.rank == a.rank)
