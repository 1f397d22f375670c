"""Normalizing and reducing ops: Softmax, Reduce, LayerNorm and LRN."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register
from fpgaforge.ir.ops.table_int import layernorm_codes, lrn_codes, softmax_codes


def _axis(node: Node, axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise OpDef.fail(node, f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def _float(x: np.ndarray) -> np.ndarray:
    """Work in float64 for integer and half inputs, in the input's dtype otherwise."""
    return x if x.dtype.kind == "f" and x.dtype.itemsize >= 4 else x.astype(np.float64)


@register
class Softmax(OpDef):
    name = "Softmax"
    traits: frozenset[Trait] = frozenset()
    attrs = {"axis": -1, "log": False, "legacy": False}
    doc = (
        "Softmax or log-softmax along `axis`; legacy flattens to 2-D at `axis` first (opset < 13)."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        _axis(node, int(node.attrs["axis"]), max(x.rank, 1))
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        axis = _axis(node, int(node.attrs["axis"]), max(x.ndim, 1))
        work = _float(x)
        if node.attrs["legacy"]:
            work = work.reshape(int(np.prod(x.shape[:axis], dtype=np.int64)), -1)
            axes: int | tuple[int, ...] = 1
        else:
            axes = axis
        shifted = work - work.max(axis=axes, keepdims=True)
        if node.attrs["log"]:
            y = shifted - np.log(np.exp(shifted).sum(axis=axes, keepdims=True))
        else:
            e = np.exp(shifted)
            y = e / e.sum(axis=axes, keepdims=True)
        return [y.reshape(x.shape).astype(x.dtype, copy=False)]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        """Table softmax on codes (`fpgaforge.ir.ops.table_int`); log-softmax has none."""
        table, out = node.quant.table, node.outputs[0]
        if node.attrs["log"] or table is None or out is None:
            return super().compute_int(node, x)
        codes = np.asarray(x, dtype=np.int64)
        axis = _axis(node, int(node.attrs["axis"]), max(codes.ndim, 1))
        work = codes.reshape(int(np.prod(codes.shape[:axis], dtype=np.int64)), -1)
        rows = work if node.attrs["legacy"] else codes
        y = softmax_codes(rows, 1 if node.attrs["legacy"] else axis, table, _frac_bits(out))
        return [y.reshape(codes.shape)]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        return x.rank > 1 and int(node.attrs["axis"]) % x.rank != 0


def _frac_bits(value) -> int:
    """Fractional bits of a fixed-point value's type."""
    return int(value.dtype.frac_bits)


_REDUCE_KINDS = (
    "mean",
    "sum",
    "max",
    "min",
    "prod",
    "l1",
    "l2",
    "sum_square",
    "log_sum",
    "log_sum_exp",
)


def _extreme(fn, identity: float):
    """max/min whose reduction over an empty set gives ONNX's identity (−inf / +inf)."""

    def reduce(x: np.ndarray, axes: tuple[int, ...], keep: bool) -> np.ndarray:
        initial = identity if x.dtype.kind == "f" else None
        if initial is None:
            return fn(x, axis=axes, keepdims=keep)
        return fn(x, axis=axes, keepdims=keep, initial=initial)

    return reduce


def _log_sum_exp(x: np.ndarray, axes: tuple[int, ...], keep: bool) -> np.ndarray:
    top = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    top = np.where(np.isfinite(top), top, 0)
    y = np.log(np.exp(x - top).sum(axis=axes, keepdims=True)) + top
    return y if keep else np.squeeze(y, axis=axes)


_REDUCERS = {
    "mean": lambda x, axes, keep: x.mean(axis=axes, keepdims=keep),
    "sum": lambda x, axes, keep: x.sum(axis=axes, keepdims=keep),
    "max": _extreme(np.max, -np.inf),
    "min": _extreme(np.min, np.inf),
    "prod": lambda x, axes, keep: x.prod(axis=axes, keepdims=keep),
    "l1": lambda x, axes, keep: np.abs(x).sum(axis=axes, keepdims=keep),
    "l2": lambda x, axes, keep: np.sqrt((x * x).sum(axis=axes, keepdims=keep)),
    "sum_square": lambda x, axes, keep: (x * x).sum(axis=axes, keepdims=keep),
    "log_sum": lambda x, axes, keep: np.log(x.sum(axis=axes, keepdims=keep)),
    "log_sum_exp": _log_sum_exp,
}


def _reduce_axes(node: Node, rank: int) -> tuple[int, ...]:
    axes = node.attrs["axes"]
    if axes is None:
        return tuple(range(rank))
    normalized = tuple(sorted({_axis(node, int(a), rank) for a in axes}))
    if len(normalized) != len(tuple(axes)):
        raise OpDef.fail(node, f"axes {tuple(axes)} repeat an axis")
    return normalized


@register
class Reduce(OpDef):
    name = "Reduce"
    traits: frozenset[Trait] = frozenset()
    attrs = {"kind": "mean", "axes": None, "keepdims": True}
    doc = "ONNX ReduceXxx over constant `axes` (None = all)."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        kind = node.attrs["kind"]
        if kind not in _REDUCERS:
            raise self.fail(node, f"reduce kind {kind!r} is not one of {', '.join(_REDUCERS)}")
        axes = _reduce_axes(node, x.rank)
        if node.attrs["keepdims"]:
            shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
        return [(shape, x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        kind = node.attrs["kind"]
        axes = _reduce_axes(node, x.ndim)
        keep = bool(node.attrs["keepdims"])
        if kind in ("max", "min", "sum", "prod") and x.dtype.kind in "iub":
            work = x
        else:
            work = _float(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = _REDUCERS[kind](work, axes, keep)
        return [np.asarray(y).astype(x.dtype, copy=False)]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        return x.rank > 0 and 0 not in _reduce_axes(node, x.rank)


@register
class LayerNorm(OpDef):
    name = "LayerNorm"
    traits: frozenset[Trait] = frozenset()
    attrs = {"axis": -1, "epsilon": 1e-5, "eps_codes": 0, "rsqrt_frac": 0, "norm_frac": 0}
    min_inputs, max_inputs = 2, 3
    doc = (
        "ONNX LayerNormalization: normalize over axes axis..rank-1, then scale and shift; "
        "quantized: the integer form of `table_int.layernorm_codes` (eps_codes, rsqrt_frac, "
        "norm_frac and the rsqrt table set by the quantizer)."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        axis = _axis(node, int(node.attrs["axis"]), x.rank)
        normalized = x.shape[axis:]
        for value in node.inputs[1:]:
            if value is None:
                continue
            try:
                ok = np.broadcast_shapes(normalized, value.shape) == normalized
            except ValueError:
                ok = False
            if not ok:
                raise self.fail(
                    node,
                    f"{value.name!r} of shape {value.shape} does not broadcast to the normalized shape {normalized}",
                )
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x, scale, bias=None) -> list[np.ndarray]:
        axis = _axis(node, int(node.attrs["axis"]), x.ndim)
        axes = tuple(range(axis, x.ndim))
        work = _float(x)
        mean = work.mean(axis=axes, keepdims=True)
        centered = work - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        y = centered / np.sqrt(var + node.attrs["epsilon"]) * scale
        if bias is not None:
            y = y + bias
        return [y.astype(x.dtype, copy=False)]

    def compute_int(self, node: Node, x, scale, bias=None) -> list[np.ndarray]:
        """The integer LayerNorm on codes (`fpgaforge.ir.ops.table_int.layernorm_codes`)."""
        table = node.quant.table
        if table is None:
            return super().compute_int(node, x, scale, bias)
        a = node.attrs
        axis = _axis(node, int(a["axis"]), np.ndim(x))
        y = layernorm_codes(
            x, axis, scale, bias, table, a["eps_codes"], a["rsqrt_frac"], a["norm_frac"]
        )
        return [y]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        return x.rank > 1 and int(node.attrs["axis"]) % x.rank != 0


@register
class LRN(OpDef):
    name = "LRN"
    traits: frozenset[Trait] = frozenset()
    attrs = {"size": REQUIRED, "alpha": 1e-4, "beta": 0.75, "bias": 1.0}
    doc = "ONNX LRN across channels (axis 1)."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        if x.rank < 3:
            raise self.fail(node, f"input {x.name!r} must be N×C×spatial, got shape {x.shape}")
        if int(node.attrs["size"]) < 1:
            raise self.fail(node, f"size must be positive, got {node.attrs['size']}")
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        size = int(node.attrs["size"])
        before, after = (size - 1) // 2, size - 1 - (size - 1) // 2
        work = _float(x)
        square = work * work
        padded = np.pad(square, [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
        channels = x.shape[1]
        square_sum = sum(padded[:, i : i + channels] for i in range(size))
        a = node.attrs
        y = work / (a["bias"] + a["alpha"] / size * square_sum) ** a["beta"]
        return [y.astype(x.dtype, copy=False)]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        """x · factor_table[Σ x²] on codes (`fpgaforge.ir.ops.table_int`)."""
        if node.quant.table is None:
            return super().compute_int(node, x)
        return [lrn_codes(x, int(node.attrs["size"]), node.quant.table)]
