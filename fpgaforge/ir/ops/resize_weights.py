"""ONNX Resize as one interpolation matrix per axis: cubic, antialiased linear / cubic and
tf_crop_and_resize (the modes `shape_ops.Resize` does not compute by gathering).

Per output index the source coordinate x follows the coordinate transformation; the taps
are the input indices around it, base + i with base = ceil(x) − 1 and ratio = x − base in
(0, 1] (the left neighbour is preferred, as the ONNX reference does), clamped to the
edges (edge padding). Their weights are the linear or cubic (Keys, coefficient `a`) kernel
at the distances i − ratio, stretched by 1/scale when antialiasing a downsampling;
`exclude_outside` drops the taps beyond the edges and renormalizes. tf_crop_and_resize
maps the output onto the region `roi` and gives `extrapolation_value` outside the input.
"""

from __future__ import annotations

import math

import numpy as np


def source_coordinate(
    mode: str, j: int, n_in: int, n_out: int, scale: float, roi: tuple[float, float] | None
) -> float:
    """Input coordinate of output index `j` along an axis (ONNX coordinate_transformation_mode)."""
    length = scale * n_in
    if mode == "align_corners":
        return 0.0 if length == 1 else j * (n_in - 1) / (length - 1)
    if mode == "asymmetric":
        return j / scale
    if mode == "tf_crop_and_resize":
        assert roi is not None
        start, end = roi
        if n_out == 1:
            x = (end - start) * (n_in - 1) / 2
        else:
            x = j * (end - start) * (n_in - 1) / (n_out - 1)
        return x + start * (n_in - 1)
    if mode == "pytorch_half_pixel":
        return -0.5 if length == 1 else (j + 0.5) / scale - 0.5
    if mode == "half_pixel_symmetric":
        offset = n_in / 2 * (1 - n_out / length)
        return offset + (j + 0.5) / scale - 0.5
    if mode == "tf_half_pixel_for_nn":
        return (j + 0.5) / scale
    return (j + 0.5) / scale - 0.5  # half_pixel


def _cubic(d: np.ndarray, a: float) -> np.ndarray:
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def _taps(mode: str, ratio: float, scale: float, a: float, antialias: bool):
    """(first tap offset from base, weights) of one output."""
    stretch = min(scale, 1.0) if antialias else 1.0
    if mode == "linear":
        start = int(math.floor(-1 / stretch) + 1)
        d = (np.arange(start, 2 - start) - ratio) * stretch
        w = np.clip(1 - np.abs(d), 0, 1)
        return start, w / w.sum()
    start = int(math.floor(-2 / stretch) + 1)
    w = _cubic((np.arange(start, 2 - start) - ratio) * stretch, a)
    return start, (w / w.sum() if antialias else w)


def interpolation(
    n_in: int,
    n_out: int,
    scale: float,
    attrs: dict,
    roi: tuple[float, float] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The (n_out, n_in) matrix of one axis and the outputs that take the extrapolation
    value (tf_crop_and_resize outside the input)."""
    mode = attrs["mode"]
    coord_mode = attrs["coordinate_transformation_mode"]
    a = float(attrs.get("cubic_coeff_a", -0.75))
    antialias = bool(attrs.get("antialias", 0)) and mode != "nearest"
    exclude = bool(attrs.get("exclude_outside", 0))
    matrix = np.zeros((n_out, n_in), dtype=np.float64)
    outside = np.zeros(n_out, dtype=bool)
    for j in range(n_out):
        x = source_coordinate(coord_mode, j, n_in, n_out, scale, roi)
        if coord_mode == "tf_crop_and_resize" and (x < 0 or x > n_in - 1):
            outside[j] = True
            continue
        base = math.ceil(x) - 1
        ratio = x - base
        if mode == "nearest":
            pick = _nearest_pick(ratio, attrs["nearest_mode"])
            matrix[j, min(max(base + pick, 0), n_in - 1)] = 1.0
            continue
        start, w = _taps(mode, ratio, scale, a, antialias)
        index = base + start + np.arange(len(w))
        if exclude:
            w = np.where((index < 0) | (index >= n_in), 0.0, w)
            w = w / w.sum()
        np.add.at(matrix[j], np.clip(index, 0, n_in - 1), w)
    return matrix, outside


def _nearest_pick(ratio: float, mode: str) -> int:
    """1 for the right neighbour (base + 1), 0 for the left (ratio in (0, 1])."""
    if ratio == 1:
        return 1
    if mode == "round_prefer_floor":
        return int(ratio > 0.5)
    if mode == "round_prefer_ceil":
        return int(ratio >= 0.5)
    return 0 if mode == "floor" else 1


def resize(x: np.ndarray, sizes: list[int], scales: list, attrs: dict, skip_batch: bool):
    """`x` resized axis by axis through `interpolation` (float64 arithmetic)."""
    roi = attrs.get("roi")
    y = np.asarray(x, dtype=np.float64)
    value = float(attrs.get("extrapolation_value", 0.0))
    for axis in range(x.ndim):
        n_in, n_out = x.shape[axis], sizes[axis]
        scale = float(scales[axis]) if scales[axis] is not None else n_out / n_in
        region = None if roi is None else (float(roi[axis]), float(roi[x.ndim + axis]))
        if axis == 0 and skip_batch:
            continue
        if n_in == n_out and scale == 1.0 and region in (None, (0.0, 1.0)):
            continue
        matrix, outside = interpolation(n_in, n_out, scale, attrs, region)
        y = np.moveaxis(np.tensordot(matrix, y, axes=([1], [axis])), 0, axis)
        if outside.any():
            index = [slice(None)] * y.ndim
            index[axis] = outside
            y[tuple(index)] = value
    return y
