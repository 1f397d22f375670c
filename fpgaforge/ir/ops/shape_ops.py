"""Data-movement ops: Reshape, Transpose, Concat, Split, Slice, Pad, Gather, Resize, Cast."""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import resize_weights
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register


def _check_axis(node: Node, axis: int, rank: int) -> int:
    if not 0 <= axis < rank:
        raise OpDef.fail(node, f"axis {axis} is out of range for rank {rank}")
    return axis


@register
class Reshape(OpDef):
    name = "Reshape"
    narrow_codes = True
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH, Trait.FREE})
    integer_exact = True
    attrs = {"shape": REQUIRED}
    doc = (
        "Reshape to a static shape; dimension 0 follows the input when both static shapes share it."
    )

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        shape = tuple(int(d) for d in node.attrs["shape"])
        if any(d < 0 for d in shape) or math.prod(shape) != x.size:
            raise self.fail(node, f"cannot reshape {x.shape} ({x.size} elements) to {shape}")
        return [(shape, x.dtype)]

    def _keeps_batch(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        shape = tuple(node.attrs["shape"])
        return x.rank >= 1 and len(shape) >= 1 and x.shape[0] == shape[0]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        shape = tuple(int(d) for d in node.attrs["shape"])
        if self._keeps_batch(node):
            shape = (x.shape[0], *shape[1:])
        return [np.reshape(x, shape)]

    def batch_safe(self, node: Node) -> bool:
        return self._keeps_batch(node)


@register
class Transpose(OpDef):
    name = "Transpose"
    narrow_codes = True
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH})
    integer_exact = True
    attrs = {"perm": None}
    doc = "numpy.transpose (perm None reverses the axes)."

    def _perm(self, node: Node, rank: int) -> tuple[int, ...]:
        perm = node.attrs["perm"]
        perm = tuple(range(rank - 1, -1, -1)) if perm is None else tuple(int(p) for p in perm)
        if sorted(perm) != list(range(rank)):
            raise self.fail(node, f"perm {perm} is not a permutation of {rank} axes")
        return perm

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        perm = self._perm(node, x.rank)
        return [(tuple(x.shape[p] for p in perm), x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        return [np.transpose(x, self._perm(node, x.ndim))]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        perm = self._perm(node, x.rank)
        return len(perm) > 0 and perm[0] == 0


@register
class Concat(OpDef):
    name = "Concat"
    narrow_codes = True
    traits = frozenset({Trait.DATA_MOVEMENT})
    integer_exact = True
    attrs = {"axis": REQUIRED}
    min_inputs, max_inputs = 1, None
    doc = "numpy.concatenate along a non-negative axis."

    def infer(self, node: Node) -> list[TensorType]:
        first = node.inputs[0]
        assert first is not None
        axis = _check_axis(node, int(node.attrs["axis"]), first.rank)
        total = 0
        for value in node.inputs:
            assert value is not None
            same = value.rank == first.rank and all(
                a == b
                for i, (a, b) in enumerate(zip(value.shape, first.shape, strict=False))
                if i != axis
            )
            if not same:
                raise self.fail(
                    node,
                    f"{value.name!r} of shape {value.shape} does not match {first.shape} off axis {axis}",
                )
            total += value.shape[axis]
        shape = (*first.shape[:axis], total, *first.shape[axis + 1 :])
        return [(shape, np.result_type(*[v.dtype for v in node.inputs if v is not None]))]

    def compute(self, node: Node, *xs) -> list[np.ndarray]:
        return [np.concatenate(xs, axis=int(node.attrs["axis"]))]

    def batch_safe(self, node: Node) -> bool:
        return int(node.attrs["axis"]) != 0 and all(
            v is not None and not v.is_constant for v in node.inputs
        )


@register
class Split(OpDef):
    name = "Split"
    narrow_codes = True
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH})
    integer_exact = True
    attrs = {"axis": REQUIRED, "sizes": REQUIRED}
    doc = "Split along `axis` into pieces of the given sizes (several outputs)."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        axis = _check_axis(node, int(node.attrs["axis"]), x.rank)
        sizes = tuple(int(s) for s in node.attrs["sizes"])
        if not sizes or min(sizes) < 0 or sum(sizes) != x.shape[axis]:
            raise self.fail(
                node,
                f"split sizes {sizes} do not add up to dimension {x.shape[axis]} of axis {axis}",
            )
        return [((*x.shape[:axis], s, *x.shape[axis + 1 :]), x.dtype) for s in sizes]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        offsets = np.cumsum(node.attrs["sizes"])[:-1]
        return list(np.split(x, offsets, axis=int(node.attrs["axis"])))

    def batch_safe(self, node: Node) -> bool:
        return int(node.attrs["axis"]) != 0


@register
class Slice(OpDef):
    name = "Slice"
    narrow_codes = True
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH})
    integer_exact = True
    attrs = {"starts": REQUIRED, "ends": REQUIRED, "axes": None, "steps": None}
    doc = "Strided slice; a negative (clamped) end means 'through index 0' for negative steps."

    def _slices(self, node: Node, rank: int) -> tuple[slice, ...]:
        starts = tuple(int(s) for s in node.attrs["starts"])
        ends = tuple(int(e) for e in node.attrs["ends"])
        axes = (
            tuple(range(len(starts))) if node.attrs["axes"] is None else tuple(node.attrs["axes"])
        )
        steps = (1,) * len(starts) if node.attrs["steps"] is None else tuple(node.attrs["steps"])
        if not len(starts) == len(ends) == len(axes) == len(steps):
            raise self.fail(node, "starts, ends, axes and steps must have the same length")
        if len(set(axes)) != len(axes) or any(not 0 <= a < rank for a in axes) or 0 in steps:
            raise self.fail(
                node, f"axes {axes} must be distinct and in range, steps {steps} non-zero"
            )
        index = [slice(None)] * rank
        for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
            index[axis] = slice(start, None if end < 0 else end, int(step))
        return tuple(index)

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        index = self._slices(node, x.rank)
        return [(tuple(len(range(d)[s]) for d, s in zip(x.shape, index, strict=True)), x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        return [x[self._slices(node, x.ndim)]]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        return self._slices(node, x.rank)[0] == slice(None)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


@register
class Pad(OpDef):
    name = "Pad"
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH})
    integer_exact = True
    attrs = {"pads": REQUIRED, "mode": "constant", "value": 0.0}
    doc = "ONNX Pad; pads are (x1_begin, ..., xn_begin, x1_end, ..., xn_end) over all axes."

    def _pads(self, node: Node, rank: int) -> list[tuple[int, int]]:
        pads = tuple(int(p) for p in node.attrs["pads"])
        if len(pads) != 2 * rank:
            raise self.fail(node, f"pads {pads} must have {2 * rank} entries for rank {rank}")
        if node.attrs["mode"] not in _PAD_MODES:
            raise self.fail(
                node, f"pad mode {node.attrs['mode']!r} is not one of {', '.join(_PAD_MODES)}"
            )
        return [(pads[i], pads[rank + i]) for i in range(rank)]

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        pads = self._pads(node, x.rank)
        shape = tuple(d + b + e for d, (b, e) in zip(x.shape, pads, strict=True))
        if min(shape, default=1) < 0:
            raise self.fail(node, f"pads {node.attrs['pads']} crop more than the input {x.shape}")
        if node.attrs["mode"] == "reflect":
            for d, (b, e) in zip(x.shape, pads, strict=True):
                if max(b, e) > 0 and max(b, e) >= d:
                    raise self.fail(
                        node,
                        f"reflect pads {node.attrs['pads']} must be smaller than the input {x.shape}",
                    )
        return [(shape, x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        pads = self._pads(node, x.ndim)
        # negative pads crop first
        crop = tuple(
            slice(max(-b, 0), d - max(-e, 0)) for d, (b, e) in zip(x.shape, pads, strict=True)
        )
        x = x[crop]
        widths = [(max(b, 0), max(e, 0)) for b, e in pads]
        mode = _PAD_MODES[node.attrs["mode"]]
        if mode == "constant":
            return [
                np.pad(
                    x,
                    widths,
                    mode="constant",
                    constant_values=np.asarray(node.attrs["value"]).astype(x.dtype),
                )
            ]
        return [np.pad(x, widths, mode=mode)]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        return x.rank > 0 and self._pads(node, x.rank)[0] == (0, 0)


@register
class Gather(OpDef):
    name = "Gather"
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH})
    integer_exact = True
    attrs = {"indices": REQUIRED, "axis": 0}
    doc = "numpy.take(x, indices, axis) with constant non-negative indices."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        axis = _check_axis(node, int(node.attrs["axis"]), x.rank)
        indices = np.asarray(node.attrs["indices"])
        if indices.dtype.kind not in "iu":
            raise self.fail(node, f"indices must be integers, got {indices.dtype}")
        if indices.size and (indices.min() < 0 or indices.max() >= x.shape[axis]):
            raise self.fail(node, f"indices must lie in [0, {x.shape[axis]}) along axis {axis}")
        return [((*x.shape[:axis], *indices.shape, *x.shape[axis + 1 :]), x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        return [np.take(x, np.asarray(node.attrs["indices"]), axis=int(node.attrs["axis"]))]

    def batch_safe(self, node: Node) -> bool:
        return int(node.attrs["axis"]) != 0


_COORD_MODES = (
    "half_pixel",
    "pytorch_half_pixel",
    "align_corners",
    "asymmetric",
    "half_pixel_symmetric",
    "tf_half_pixel_for_nn",
    "tf_crop_and_resize",
)
_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _source_coords(mode: str, size_in: int, size_out: int, scale: float) -> np.ndarray:
    """ONNX Resize: input coordinate of each output index along one axis."""
    x = np.arange(size_out, dtype=np.float64)
    if mode == "half_pixel":
        return (x + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (x + 0.5) / scale - 0.5 if size_out > 1 else np.zeros_like(x)
    if mode == "align_corners":
        # ONNX measures the resized length as size_in · scale, before flooring to an integer
        length = size_in * scale
        return (
            x * (size_in - 1) / (length - 1) if size_out > 1 and length != 1 else np.zeros_like(x)
        )
    if mode == "asymmetric":
        return x / scale
    if mode == "tf_half_pixel_for_nn":
        return (x + 0.5) / scale
    # half_pixel_symmetric
    adjustment = size_out / (scale * size_in)
    offset = size_in / 2 * (1 - adjustment)
    return offset + (x + 0.5) / scale - 0.5


def _nearest(coords: np.ndarray, mode: str) -> np.ndarray:
    if mode == "round_prefer_floor":
        return np.ceil(coords - 0.5)
    if mode == "round_prefer_ceil":
        return np.floor(coords + 0.5)
    return np.floor(coords) if mode == "floor" else np.ceil(coords)


@register
class Resize(OpDef):
    name = "Resize"
    traits = frozenset({Trait.DATA_MOVEMENT, Trait.PASS_THROUGH})
    attrs = {
        "mode": "nearest",
        "sizes": REQUIRED,
        "coordinate_transformation_mode": "half_pixel",
        "nearest_mode": "round_prefer_floor",
        "scales": None,
        "cubic_coeff_a": -0.75,
        "exclude_outside": 0,
        "antialias": 0,
        "roi": None,
        "extrapolation_value": 0.0,
    }
    doc = (
        "ONNX Resize (nearest, N-linear or cubic; antialiasing; tf_crop_and_resize with a "
        "constant roi) to a static output shape."
    )

    @staticmethod
    def by_matrix(node: Node) -> bool:
        """Whether the node resizes through `resize_weights` (cubic, antialiased, cropped)."""
        a = node.attrs
        return (
            a["mode"] == "cubic"
            or bool(a["antialias"])
            or a["coordinate_transformation_mode"] == "tf_crop_and_resize"
        )

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        a = node.attrs
        sizes = tuple(int(s) for s in a["sizes"])
        if len(sizes) != x.rank or min(sizes, default=1) < 1:
            raise self.fail(node, f"sizes {sizes} must give {x.rank} positive dimensions")
        if a["scales"] is not None and len(a["scales"]) != x.rank:
            raise self.fail(node, f"scales {tuple(a['scales'])} must give {x.rank} entries")
        if a["mode"] not in ("nearest", "linear", "cubic"):
            raise self.fail(
                node, f"resize mode {a['mode']!r} is not 'nearest', 'linear' or 'cubic'"
            )
        roi = a["roi"]
        if a["coordinate_transformation_mode"] == "tf_crop_and_resize" and (
            roi is None or len(roi) != 2 * x.rank
        ):
            raise self.fail(node, f"tf_crop_and_resize needs a roi of {2 * x.rank} values")
        if a["coordinate_transformation_mode"] not in _COORD_MODES:
            raise self.fail(
                node,
                f"coordinate transformation {a['coordinate_transformation_mode']!r} is unsupported",
            )
        if a["nearest_mode"] not in _NEAREST_MODES:
            raise self.fail(node, f"nearest mode {a['nearest_mode']!r} is unsupported")
        return [(sizes, x.dtype)]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        """Nearest-neighbour resizing moves codes; linear interpolation has no integer form."""
        if node.attrs["mode"] != "nearest" or self.by_matrix(node):
            return super().compute_int(node, x)
        return self.compute(node, x)

    def compute(self, node: Node, x) -> list[np.ndarray]:
        a = node.attrs
        sizes = list(int(s) for s in a["sizes"])
        scales = list(a["scales"]) if a["scales"] is not None else [None] * x.ndim
        keep_batch = self.batch_safe(node)
        if self.by_matrix(node):
            y = resize_weights.resize(x, sizes, scales, a, keep_batch)
            return [y.astype(x.dtype, copy=False)]
        coord_mode = a["coordinate_transformation_mode"]
        y = x if a["mode"] == "nearest" else x.astype(np.float64)
        for axis in range(x.ndim):
            n_in, n_out = x.shape[axis], sizes[axis]
            scale = float(scales[axis]) if scales[axis] is not None else n_out / n_in
            if (axis == 0 and keep_batch) or (n_in == n_out and scale == 1.0):
                continue
            coords = _source_coords(coord_mode, n_in, n_out, scale)
            if a["mode"] == "nearest":
                index = np.clip(_nearest(coords, a["nearest_mode"]), 0, n_in - 1).astype(np.int64)
                y = np.take(y, index, axis=axis)
            else:
                coords = np.clip(coords, 0, n_in - 1)
                low = np.floor(coords).astype(np.int64)
                high = np.minimum(low + 1, n_in - 1)
                shape = [1] * x.ndim
                shape[axis] = n_out
                w = (coords - low).reshape(shape)
                y = np.take(y, low, axis=axis) * (1 - w) + np.take(y, high, axis=axis) * w
        return [y.astype(x.dtype, copy=False)]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        scales = node.attrs["scales"]
        return (
            x.rank > 0
            and tuple(node.attrs["sizes"])[0] == x.shape[0]
            and (scales is None or scales[0] == 1)
            and (node.attrs["roi"] is None or tuple(node.attrs["roi"])[:: x.rank] == (0, 1))
        )


@register
class Cast(OpDef):
    name = "Cast"
    traits = frozenset({Trait.ELEMENTWISE, Trait.FREE})
    attrs = {"to": REQUIRED}
    doc = "x.astype(to); float to integer truncates toward zero."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        try:
            dtype = np.dtype(node.attrs["to"])
        except TypeError:
            raise self.fail(
                node, f"cast target {node.attrs['to']!r} is not a numpy dtype"
            ) from None
        return [(x.shape, dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        dtype = np.dtype(node.attrs["to"])
        if x.dtype.kind == "f" and dtype.kind in "iu":
            with np.errstate(invalid="ignore"):
                return [np.trunc(x).astype(dtype)]
        return [x.astype(dtype)]
