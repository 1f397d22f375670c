"""Data-movement ONNX ops: Reshape family, Transpose, Concat/Split/Slice/Pad/Gather, Resize/Upsample."""

from __future__ import annotations

import math

import numpy as np

from fpgaforge.frontend.onnx.common import ints, normalize_axis
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.frontend.onnx.registry import converter
from fpgaforge.ir.value import Value


def _reshape(ctx: ImportContext, x: Value, shape: tuple[int, ...]) -> Value:
    if tuple(shape) == tuple(x.shape):
        return x
    return ctx.emit1("Reshape", [x], {"shape": tuple(int(d) for d in shape)})


@converter("Reshape")
def reshape(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    if ctx.opset < 5:
        raise ctx.unsupported("Reshape with a shape attribute (opset < 5) is not supported")
    target = list(ints(ctx.const_input(1, "shape")))
    allow_zero = int(ctx.attr("allowzero", 0))
    for i, d in enumerate(target):
        if d == 0 and not allow_zero:
            if i >= x.rank:
                raise ctx.unsupported(
                    f"shape {tuple(target)} copies dimension {i}, which the input {x.shape} lacks"
                )
            target[i] = x.shape[i]
    if target.count(-1) > 1:
        raise ctx.unsupported(f"shape {tuple(target)} has more than one -1")
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        if known == 0 or x.size % known:
            raise ctx.unsupported(f"cannot reshape {x.shape} to {tuple(target)}")
        target[target.index(-1)] = x.size // known
    if math.prod(target) != x.size:
        raise ctx.unsupported(f"cannot reshape {x.shape} ({x.size} elements) to {tuple(target)}")
    return [_reshape(ctx, x, tuple(target))]


@converter("Flatten")
def flatten(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "input")
    axis = int(ctx.attr("axis", 1))
    axis = axis + x.rank if axis < 0 else axis
    if not 0 <= axis <= x.rank:
        raise ctx.unsupported(f"axis {axis} is out of range for a rank-{x.rank} input")
    return [_reshape(ctx, x, (math.prod(x.shape[:axis]), math.prod(x.shape[axis:])))]


def _axes(ctx: ImportContext, since: int = 13) -> tuple[int, ...] | None:
    if ctx.opset >= since:
        data = ctx.const_input(1, "axes")
        return None if data is None else ints(data)
    raw = ctx.attr("axes", None)
    return None if raw is None else ints(raw)


@converter("Squeeze")
def squeeze(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    axes = _axes(ctx)
    if axes is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    axes = tuple(normalize_axis(ctx, a, x.rank) for a in axes)
    for a in axes:
        if x.shape[a] != 1:
            raise ctx.unsupported(f"axis {a} has size {x.shape[a]}, not 1")
    return [_reshape(ctx, x, tuple(d for i, d in enumerate(x.shape) if i not in axes))]


@converter("Unsqueeze")
def unsqueeze(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    axes = _axes(ctx)
    if axes is None:
        raise ctx.unsupported("it has no axes")
    rank = x.rank + len(axes)
    axes = sorted(normalize_axis(ctx, a, rank) for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return [_reshape(ctx, x, tuple(shape))]


@converter("Transpose")
def transpose(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    perm = ctx.attr("perm", None)
    perm = tuple(reversed(range(x.rank))) if perm is None else ints(perm)
    if sorted(perm) != list(range(x.rank)):
        raise ctx.unsupported(f"perm {perm} is not a permutation of the input's {x.rank} axes")
    if perm == tuple(range(x.rank)):
        return [x]
    return [ctx.emit1("Transpose", [x], {"perm": perm})]


@converter("Concat")
def concat(ctx: ImportContext) -> list[Value | None]:
    values = [v for v in ctx.inputs if v is not None]
    axis = normalize_axis(ctx, int(ctx.attr("axis")), values[0].rank)
    values = [v for v in values if v.shape[axis] != 0 or len(values) == 1]
    if len(values) == 1:
        return [values[0]]
    return [ctx.emit1("Concat", values, {"axis": axis})]


@converter("Split")
def split(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "input")
    axis = normalize_axis(ctx, int(ctx.attr("axis", 0)), x.rank)
    outputs = len(ctx.node.output) if ctx.node is not None else 1
    sizes = ctx.const_input(1, "split") if ctx.opset >= 13 else ctx.attr("split", None)
    dim = x.shape[axis]
    if sizes is None or len(np.asarray(sizes).reshape(-1)) == 0:
        count = int(ctx.attr("num_outputs", outputs))
        chunk = -(-dim // count)
        sizes = [chunk] * (count - 1) + [dim - chunk * (count - 1)]
        if ctx.opset < 18 and dim % count:
            raise ctx.unsupported(f"dimension {dim} does not split evenly into {count} outputs")
    sizes = ints(sizes)
    if sum(sizes) != dim or any(s < 0 for s in sizes):
        raise ctx.unsupported(f"split sizes {sizes} do not add up to dimension {dim}")
    return ctx.emit("Split", [x], {"axis": axis, "sizes": sizes}, num_outputs=len(sizes))


@converter("Slice")
def slice_(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    if ctx.opset < 10:
        starts, ends = ints(ctx.attr("starts")), ints(ctx.attr("ends"))
        axes_raw = ctx.attr("axes", None)
        steps: tuple[int, ...] = (1,) * len(starts)
    else:
        starts, ends = ints(ctx.const_input(1, "starts")), ints(ctx.const_input(2, "ends"))
        axes_raw = ctx.const_input(3, "axes")
        steps_raw = ctx.const_input(4, "steps")
        steps = (1,) * len(starts) if steps_raw is None else ints(steps_raw)
    axes = tuple(range(len(starts))) if axes_raw is None else ints(axes_raw)
    n_starts, n_ends, n_axes, n_steps = [], [], [], []
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        axis = normalize_axis(ctx, axis, x.rank)
        dim = x.shape[axis]
        if step == 0:
            raise ctx.unsupported(f"step 0 on axis {axis}")
        start = start + dim if start < 0 else start
        end = end + dim if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
            end = -(dim + 1) if end < 0 else end  # "up to and including index 0" as a Python slice
        n_starts.append(start)
        n_ends.append(end)
        n_axes.append(axis)
        n_steps.append(step)
    attrs = {
        "starts": tuple(n_starts),
        "ends": tuple(n_ends),
        "axes": tuple(n_axes),
        "steps": tuple(n_steps),
    }
    return [ctx.emit1("Slice", [x], attrs)]


@converter("Pad")
def pad(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    mode = ctx.attr("mode", "constant")
    if ctx.opset < 11:
        pads = ints(ctx.attr("pads"))
        value = float(ctx.attr("value", 0.0))
    else:
        pads = ints(ctx.const_input(1, "pads"))
        constant_value = ctx.const_input(2, "constant_value")
        value = (
            0.0
            if constant_value is None or constant_value.size == 0
            else constant_value.reshape(-1)[0].item()
        )
        axes_raw = ctx.const_input(3, "axes")
        if axes_raw is not None:
            axes = [normalize_axis(ctx, a, x.rank) for a in ints(axes_raw)]
            full = [0] * (2 * x.rank)
            for i, a in enumerate(axes):
                full[a], full[a + x.rank] = pads[i], pads[i + len(axes)]
            pads = tuple(full)
    if len(pads) != 2 * x.rank:
        raise ctx.unsupported(f"pads {pads} must have {2 * x.rank} entries")
    if mode not in ("constant", "reflect", "edge", "wrap"):
        raise ctx.unsupported(f"mode {mode!r} is not constant, reflect, edge or wrap")
    if not any(pads):
        return [x]
    return [ctx.emit1("Pad", [x], {"pads": pads, "mode": mode, "value": value})]


@converter("Gather")
def gather(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "data")
    index_value = ctx.input(1)
    if (
        index_value is not None
        and not index_value.is_constant
        and x.is_constant
        and x.rank == 2
        and int(ctx.attr("axis", 0)) == 0
    ):
        return [ctx.emit1("Embedding", [index_value, x])]  # a token embedding lookup
    indices = np.asarray(ctx.const_input(1, "indices")).astype(np.int64)
    axis = normalize_axis(ctx, int(ctx.attr("axis", 0)), x.rank)
    dim = x.shape[axis]
    if np.any(indices < -dim) or np.any(indices >= dim):
        raise ctx.unsupported(f"indices fall outside [-{dim}, {dim - 1}] on axis {axis}")
    indices = np.where(indices < 0, indices + dim, indices)
    return [ctx.emit1("Gather", [x], {"indices": indices, "axis": axis})]


def _resize(
    ctx: ImportContext,
    x: Value,
    scales: np.ndarray | None,
    sizes: np.ndarray | None,
    mode: str,
    coordinate_mode: str,
    nearest_mode: str,
    axes: tuple[int, ...] | None,
    extra: dict | None = None,
) -> Value:
    """The Resize node of `x`; `extra`: cubic, antialias and tf_crop_and_resize attributes
    (`roi` over the resized `axes`, widened here to every axis)."""
    axes = (
        tuple(range(x.rank))
        if axes is None
        else tuple(normalize_axis(ctx, a, x.rank) for a in axes)
    )
    full_scales = [1.0] * x.rank
    out = list(x.shape)
    if sizes is not None and np.asarray(sizes).size:
        sizes = ints(sizes)
        policy = ctx.attr("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            ratios = [sizes[i] / x.shape[a] for i, a in enumerate(axes)]
            ratio = min(ratios) if policy == "not_larger" else max(ratios)
            sizes = tuple(int(math.floor(x.shape[a] * ratio + 0.5)) for a in axes)
            for i, a in enumerate(axes):
                full_scales[a] = ratio
                out[a] = sizes[i]
        else:
            for i, a in enumerate(axes):
                out[a] = sizes[i]
                full_scales[a] = sizes[i] / x.shape[a]
    elif scales is not None and np.asarray(scales).size:
        values = [float(s) for s in np.asarray(scales).reshape(-1)]
        if len(values) != len(axes):
            raise ctx.unsupported(f"scales {values} do not match {len(axes)} axes")
        for i, a in enumerate(axes):
            if values[i] <= 0:
                raise ctx.unsupported(f"scale {values[i]} must be positive")
            full_scales[a] = values[i]
            out[a] = int(math.floor(x.shape[a] * values[i]))
    else:
        raise ctx.unsupported("neither scales nor sizes are given")
    if mode not in ("nearest", "linear", "cubic"):
        raise ctx.unsupported(f"mode {mode!r} is not supported (nearest, linear and cubic are)")
    if coordinate_mode not in (
        "half_pixel",
        "pytorch_half_pixel",
        "align_corners",
        "asymmetric",
        "half_pixel_symmetric",
        "tf_crop_and_resize",
    ):
        raise ctx.unsupported(
            f"coordinate_transformation_mode {coordinate_mode!r} is not supported"
        )
    defaults = {
        "cubic_coeff_a": -0.75,
        "exclude_outside": 0,
        "antialias": 0,
        "extrapolation_value": 0.0,
    }
    extra = {
        k: v
        for k, v in (extra or {}).items()
        if v != defaults.get(k, v) or k == "roi" or (k == "cubic_coeff_a" and mode == "cubic")
    }
    if coordinate_mode != "tf_crop_and_resize":
        extra.pop("extrapolation_value", None)
    if coordinate_mode == "tf_crop_and_resize":
        roi = extra.get("roi")
        if roi is None or len(roi) != 2 * len(axes):
            raise ctx.unsupported(
                f"tf_crop_and_resize needs a constant roi of {2 * len(axes)} values"
            )
        full = [0.0] * x.rank + [1.0] * x.rank
        for i, a in enumerate(axes):
            full[a], full[x.rank + a] = float(roi[i]), float(roi[len(axes) + i])
        extra["roi"] = tuple(full)
    else:
        extra.pop("roi", None)
    if tuple(out) == tuple(x.shape) and all(s == 1.0 for s in full_scales) and "roi" not in extra:
        return x
    attrs = {
        "mode": mode,
        "sizes": tuple(out),
        "scales": tuple(full_scales),
        "coordinate_transformation_mode": coordinate_mode,
        "nearest_mode": nearest_mode,
        **extra,
    }
    return ctx.emit1("Resize", [x], attrs)


@converter("Resize")
def resize(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "X")
    mode = ctx.attr("mode", "nearest")
    extra = {
        "cubic_coeff_a": float(ctx.attr("cubic_coeff_a", -0.75)),
        "exclude_outside": int(ctx.attr("exclude_outside", 0)),
        "antialias": int(ctx.attr("antialias", 0)),
        "extrapolation_value": float(ctx.attr("extrapolation_value", 0.0)),
    }
    if ctx.opset >= 11 and ctx.attr("coordinate_transformation_mode") == "tf_crop_and_resize":
        roi = ctx.const_input(1, "roi")
        if roi is not None and np.asarray(roi).size:
            extra["roi"] = [float(v) for v in np.asarray(roi).reshape(-1)]
    if ctx.opset < 11:
        scales, sizes = ctx.const_input(1, "scales"), None
        coordinate_mode, nearest_mode = "asymmetric", "floor"
    else:
        scales, sizes = ctx.const_input(2, "scales"), ctx.const_input(3, "sizes")
        coordinate_mode = ctx.attr("coordinate_transformation_mode", "half_pixel")
        nearest_mode = ctx.attr("nearest_mode", "round_prefer_floor")
    axes = ctx.attr("axes", None)
    return [
        _resize(
            ctx,
            x,
            scales,
            sizes,
            mode,
            coordinate_mode,
            nearest_mode,
            None if axes is None else ints(axes),
            extra,
        )
    ]


@converter("Upsample")
def upsample(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "X")
    mode = ctx.attr("mode", "nearest")
    scales = ctx.attr("scales", None) if ctx.opset < 9 else ctx.const_input(1, "scales")
    if scales is None:
        raise ctx.unsupported("it has no scales")
    return [
        _resize(ctx, x, np.asarray(scales, np.float32), None, mode, "asymmetric", "floor", None)
    ]
