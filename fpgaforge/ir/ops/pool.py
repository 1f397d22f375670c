"""Pool (ONNX MaxPool / AveragePool / LpPool) and GlobalPool."""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register
from fpgaforge.ir.ops.window import spatial_params, window_reduce, windows

_KINDS = ("max", "avg", "lp")


def _check_kind(node: Node) -> str:
    kind = node.attrs["kind"]
    if kind not in _KINDS:
        raise OpDef.fail(node, f"pool kind {kind!r} is not one of {', '.join(_KINDS)}")
    return kind


def pool_out_shape(node: Node, spatial: tuple[int, ...]) -> tuple[int, ...]:
    """Output spatial size by ONNX's rule (floor, or ceil where the last window
    must still start inside the input or its left padding)."""
    rank = len(spatial)
    kernel = tuple(node.attrs["kernel"])
    strides, pads, dilations = spatial_params(node, rank, kernel)
    out = []
    for i in range(rank):
        padded = spatial[i] + pads[i] + pads[rank + i]
        span = padded - dilations[i] * (kernel[i] - 1) - 1
        if span < 0:
            raise OpDef.fail(node, f"kernel {kernel} does not fit the padded input {spatial}")
        if node.attrs["ceil_mode"]:
            size = -(-span // strides[i]) + 1
            if (size - 1) * strides[i] >= spatial[i] + pads[i]:
                size -= 1
        else:
            size = span // strides[i] + 1
        out.append(size)
    return tuple(out)


@register
class Pool(OpDef):
    name = "Pool"
    narrow_codes = True
    traits = frozenset({Trait.WINDOWED})
    attrs = {
        "kind": "max",
        "kernel": REQUIRED,
        "strides": None,
        "pads": None,
        "dilations": None,
        "ceil_mode": False,
        "count_include_pad": False,
        "p": 2,
    }
    doc = "ONNX MaxPool / AveragePool / LpPool over 1-3 spatial axes."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        _check_kind(node)
        if x.rank < 3 or x.rank > 5:
            raise self.fail(
                node,
                f"input {x.name!r} must be N×C×spatial with 1-3 spatial axes, got shape {x.shape}",
            )
        return [((*x.shape[:2], *pool_out_shape(node, x.shape[2:])), x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        kind = _check_kind(node)
        window_axes = tuple(range(-(x.ndim - 2), 0))
        if kind == "max":
            if x.dtype.kind == "f":
                fill = -np.inf
            elif x.dtype.kind == "b":
                fill = False
            else:
                fill = np.iinfo(x.dtype).min
            return [self._window_max(node, x, fill)]
        work = x.astype(np.float64) if x.dtype.kind != "f" else x
        if kind == "lp":
            p = float(node.attrs["p"])
            y = self._windows(node, np.abs(work) ** p, 0).sum(axis=window_axes) ** (1.0 / p)
            return [y.astype(x.dtype, copy=False)]
        total, count = self.window_sums(node, work)
        y = total / np.maximum(count, 1.0)
        return [y.astype(x.dtype, copy=False)]

    @staticmethod
    def _padding(node: Node, spatial: tuple[int, ...]) -> list[tuple[int, int]]:
        """np.pad widths so that every window lies inside; the extra right part covers ceil_mode."""
        rank = len(spatial)
        kernel = tuple(node.attrs["kernel"])
        strides, pads, dilations = spatial_params(node, rank, kernel)
        out = pool_out_shape(node, spatial)
        extra = [
            max(
                0,
                (out[i] - 1) * strides[i]
                + dilations[i] * (kernel[i] - 1)
                + 1
                - (spatial[i] + pads[i]),
            )
            for i in range(rank)
        ]
        return [(0, 0), (0, 0)] + [(pads[i], extra[i]) for i in range(rank)]

    def _windows(self, node: Node, x: np.ndarray, fill) -> np.ndarray:
        """The [N, C, *out, *kernel] windows of `x` padded with `fill`."""
        spatial = tuple(x.shape[2:])
        kernel = tuple(node.attrs["kernel"])
        strides, _, dilations = spatial_params(node, len(spatial), kernel)
        padded = np.pad(x, self._padding(node, spatial), constant_values=fill)
        return windows(padded, kernel, strides, dilations, pool_out_shape(node, spatial))

    def _window_max(self, node: Node, x: np.ndarray, fill) -> np.ndarray:
        """The maximum of each window of `x` padded with `fill`, in the dtype of `x`."""
        spatial = tuple(x.shape[2:])
        kernel = tuple(node.attrs["kernel"])
        strides, _, dilations = spatial_params(node, len(spatial), kernel)
        padded = np.pad(x, self._padding(node, spatial), constant_values=fill)
        out = pool_out_shape(node, spatial)
        return window_reduce(padded, kernel, strides, dilations, out, np.maximum).astype(
            x.dtype, copy=False
        )

    def window_sums(self, node: Node, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-window sums of `x` (zero padding) and the divisor of each window:
        the taps inside the input, or inside input + explicit pads with count_include_pad."""
        rank = x.ndim - 2
        kernel = tuple(node.attrs["kernel"])
        strides, pads, dilations = spatial_params(node, rank, kernel)
        out = pool_out_shape(node, x.shape[2:])
        window_axes = tuple(range(-rank, 0))
        if x.dtype.kind in "iu":  # integer sums are exact in any order: one pass per tap
            padded = np.pad(x, self._padding(node, tuple(x.shape[2:])), constant_values=0)
            total = window_reduce(padded, kernel, strides, dilations, out, np.add)
        else:
            total = self._windows(node, x, 0).sum(axis=window_axes)
        padded_shape = [
            n + a + b
            for n, (a, b) in zip(x.shape, self._padding(node, tuple(x.shape[2:])), strict=True)
        ]
        mask = np.zeros((1, 1, *padded_shape[2:]), dtype=np.int64)
        if node.attrs["count_include_pad"]:
            inside = tuple(slice(0, x.shape[2 + i] + pads[i] + pads[rank + i]) for i in range(rank))
        else:
            inside = tuple(slice(pads[i], pads[i] + x.shape[2 + i]) for i in range(rank))
        mask[(0, 0, *inside)] = 1
        count = windows(mask, kernel, strides, dilations, out).sum(axis=window_axes)
        return total, count

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        """Max pooling keeps codes; average pooling gives the window *sums* of the
        codes (the quantizer's Requant after it divides by the constant window size), or,
        with a reciprocal table in `node.quant.table`, each sum times the table's entry
        for the window's tap count."""
        kind = _check_kind(node)
        if kind == "max":
            return self.compute(node, x)
        if kind != "avg":
            return super().compute_int(node, x)
        total, count = self.window_sums(node, np.asarray(x, dtype=np.int64))
        table = node.quant.table
        if table is not None:  # per-window divisors: sum · table[taps] (2^F / taps, rounded)
            return [total * np.asarray(table.values, dtype=np.int64)[count]]
        if count.min() != count.max():
            raise QuantizationError(
                f"Average pooling at {node.where()} divides by a different tap count per window; "
                f"quantized average pooling needs count_include_pad=1 or no padding."
            )
        return [total]


@register
class GlobalPool(OpDef):
    name = "GlobalPool"
    narrow_codes = True
    traits: frozenset[Trait] = frozenset()
    attrs = {"kind": "max", "p": 2}
    doc = "Reduce all spatial axes (max, average or Lp norm), keeping them as size 1."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        _check_kind(node)
        if x.rank < 3:
            raise self.fail(node, f"input {x.name!r} must be N×C×spatial, got shape {x.shape}")
        return [((*x.shape[:2], *([1] * (x.rank - 2))), x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        kind = _check_kind(node)
        axes = tuple(range(2, x.ndim))
        if kind == "max":
            return [x.max(axis=axes, keepdims=True)]
        work = x.astype(np.float64) if x.dtype.kind != "f" else x
        if kind == "avg":
            y = work.mean(axis=axes, keepdims=True)
        else:
            p = float(node.attrs["p"])
            y = (np.abs(work) ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
        return [y.astype(x.dtype, copy=False)]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        """Max keeps codes; average gives the sum of the codes over the spatial axes
        (the quantizer's Requant after it divides by their count)."""
        kind = _check_kind(node)
        axes = tuple(range(2, np.ndim(x)))
        if kind == "max":
            return [np.asarray(x).max(axis=axes, keepdims=True)]
        if kind == "avg":
            return [np.asarray(x, dtype=np.int64).sum(axis=axes, keepdims=True)]
        return super().compute_int(node, x)
