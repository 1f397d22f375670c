"""Fast exact integer multiply-accumulate for the quantized Conv, Dense and MatMul.

An integer dot product computed by BLAS in floating point is exact when every partial
sum is an integer the float format represents: |partial sum| <= sum |w_k| * |x_k| <
2**53 (float64) or 2**24 (float32). Each layer's bound follows from its operands'
numeric types (activations: the type's largest code magnitude; constant weights: the
largest L1 norm of an output's weight codes), so it is decided once per node and
cached with the float copy of the weights. When a call's activations are all >= 0 (after
a ReLU), a partial sum lies between -(sum of the negative |w_k|) * max x and (sum of the
positive w_k) * max x, so the larger of the two sums bounds it: a second plan, often with
fewer float32 pieces, serves those calls. When the weights are all >= 0 as well, every
partial sum of such a call lies between 0 and the final sum, whatever order BLAS adds in:
one float32 product is then exact when its largest result is below 2**24, which is checked
after the product (the pieces run only when it is not). Layers whose bound is too large, or whose
codes are not integer arrays, keep the int64 path (the ops' `compute`), which stays the
reference: `int64_reference()` forces it for every layer.

The activation codes may be stored in int16, int32 or int64 (`fpgaforge.ir.codes`). The
float result is converted to the narrowest of those holding the plan's bound plus the
bias (exact: it holds integers only), and the bias is added in that dtype afterwards.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np

from fpgaforge.ir.codes import compute_dtype
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.window import spatial_params, windows
from fpgaforge.ir.value import Value
from fpgaforge.numerics.types import Fixed, Int

FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53

_REFERENCE: ContextVar[bool] = ContextVar("fpgaforge_int64_reference", default=False)


@contextmanager
def int64_reference() -> Iterator[None]:
    """Within this block, quantized Conv, Dense, MatMul and Requant run the plain int64
    reference path (numpy integer matmul, per-channel requantize loop)."""
    token = _REFERENCE.set(True)
    try:
        yield
    finally:
        _REFERENCE.reset(token)


def reference_mode() -> bool:
    """True inside `int64_reference()`."""
    return _REFERENCE.get()


def float_dtype(bound: int) -> np.dtype | None:
    """The cheapest float dtype whose integers are exact up to `bound` (None: none is)."""
    if bound < FLOAT32_EXACT:
        return np.dtype(np.float32)
    if bound < FLOAT64_EXACT:
        return np.dtype(np.float64)
    return None


def code_limit(dtype: object) -> int | None:
    """The largest code magnitude of a Fixed or Int type (None for anything else)."""
    if isinstance(dtype, Fixed | Int):
        return max(-dtype.min_code, dtype.max_code)
    return None


@dataclass
class _Plan:
    """One node's exact float path: the float dtype of the operands (None: not exact,
    use int64), the float copies of its constant operands by input index, and the
    pieces `[start, stop)` of the reduction axis whose partial sums are each exact in
    that dtype (one piece unless float32 partial sums are added up in float64)."""

    dtype: np.dtype | None
    floats: dict[int, np.ndarray] = field(default_factory=dict)
    pieces: tuple[tuple[int, int], ...] = ()
    key: tuple = ()
    keep: tuple = ()
    nonneg: _Plan | None = None
    """The plan for calls whose activations are all >= 0 (None: use this one)."""
    monotone: bool = False
    """Every weight is >= 0: for activations >= 0 one float32 product, checked afterwards."""
    bound: int = 0
    """A bound on |every output| (before the bias) of the calls this plan serves."""


_PLANS: weakref.WeakKeyDictionary[Node, _Plan] = weakref.WeakKeyDictionary()


def _plan(node: Node, constants: tuple[np.ndarray, ...], make: Callable[[], _Plan]) -> _Plan:
    """The node's cached plan, rebuilt when its constant operand arrays (by identity; the
    plan holds them, so their ids stay theirs) or its operand types changed."""
    key = tuple(id(a) for a in constants) + tuple(
        v.dtype if v is not None else None for v in node.inputs
    )
    plan = _PLANS.get(node)
    if plan is None or plan.key != key:
        plan = make()
        plan.key, plan.keep = key, constants
        _PLANS[node] = plan
    return plan


def _within(x: np.ndarray, limit: int) -> bool:
    """Whether the int64 codes `x` lie within ±limit (the type's range is the bound we used)."""
    return x.size == 0 or (int(x.max()) <= limit and int(x.min()) >= -limit)


CLAMPING_OPS = frozenset({"Quantize", "Requant"})
"""Ops whose integer outputs are saturated or wrapped into their type: their codes need no
range scan."""


def _activation_plan(plan: _Plan, x: np.ndarray, value: Value) -> tuple[_Plan | None, bool]:
    """The plan for this call's activation codes `x` of `value` (the non-negative plan when
    no code is negative), or None when a code lies outside the value's type (the bound the
    plans used) or the type has none; and whether every product of the call is >= 0
    (monotone weights, activations >= 0). Codes from a clamping op (`CLAMPING_OPS`) lie
    within their type by construction and are not scanned for that."""
    dtype = value.dtype
    if not isinstance(dtype, Fixed | Int):
        return None, False
    if x.size == 0:
        return plan, False
    clamped = value.producer is not None and value.producer.op in CLAMPING_OPS
    limit = max(-dtype.min_code, dtype.max_code)
    if dtype.min_code >= 0:
        # an unsigned type in one scan: a negative code read as unsigned is >= 2**(bits-1)
        if not clamped and int(x.view(f"u{x.itemsize}").max()) > limit:
            return None, False
        return (plan.nonneg or plan), plan.monotone
    if clamped:
        if (plan.nonneg is None and not plan.monotone) or int(x.min()) < 0:
            return plan, False
        return (plan.nonneg or plan), plan.monotone
    lo, hi = int(x.min()), int(x.max())
    if hi > limit or lo < -limit:
        return None, False
    if lo < 0:
        return plan, False
    return (plan.nonneg or plan), plan.monotone


def _integer(*arrays) -> bool:
    """Whether every array holds integer codes (int16, int32 or int64 storage)."""
    return all(a is not None and a.dtype.kind == "i" for a in arrays)


def _result_dtype(bound: int, b: np.ndarray | None = None) -> np.dtype:
    """The narrowest of int16, int32 and int64 holding outputs within ±`bound` plus the
    bias `b` (the float results are exact integers there, so the cast is exact)."""
    if b is not None and b.size:
        bound += max(-int(b.min()), int(b.max()))
    return compute_dtype(bound)


MAX_PIECES = 4
"""At most this many float32 partial sums before float64 is the better choice."""


def _weight_plan(node: Node, w: np.ndarray, rows: np.ndarray) -> _Plan:
    """Plan of a layer with constant weights; `rows` is w as [outputs, reduction]."""
    limit = code_limit(node.inputs[0].dtype)
    if limit is None or not rows.size or not node.inputs[1].is_constant:
        return _Plan(None)
    k = rows.shape[1]
    if max(-int(rows.min()), int(rows.max())) * k >= 1 << 62:
        return _Plan(None)  # the L1 norms below would not even fit int64
    plan = _rows_plan(rows, limit, (np.abs(rows),))
    plan.monotone = plan.dtype is not None and int(rows.min()) >= 0
    if int(rows.min()) < 0 < int(rows.max()):
        nonneg = _rows_plan(rows, limit, (np.maximum(rows, 0), np.maximum(-rows, 0)))
        if nonneg.dtype is not None and _cost(nonneg) < _cost(plan):
            if nonneg.dtype == plan.dtype:
                nonneg.floats = plan.floats  # the same float copy of the weights
            plan.nonneg = nonneg
    return plan


def _cost(plan: _Plan) -> tuple[int, int]:
    return (np.dtype(plan.dtype).itemsize if plan.dtype is not None else 16, len(plan.pieces))


def _rows_plan(rows: np.ndarray, limit: int, parts: tuple[np.ndarray, ...]) -> _Plan:
    """The plan whose partial-sum bound is the largest sum of any one of `parts` (|w| for
    signed activations; the positive and the negative weights for non-negative ones)."""
    k = rows.shape[1]
    bound = max(int(part.sum(axis=1).max()) for part in parts) * limit
    dtype = float_dtype(bound)
    if dtype is None:
        return _Plan(None)
    pieces = ((0, k),)
    if dtype == np.float64:
        split = _pieces(parts, limit)
        if split is not None and len(split) <= MAX_PIECES:
            dtype, pieces = np.dtype(np.float32), split
    return _Plan(dtype, {1: rows.astype(dtype)}, pieces, bound=bound)


def _pieces(parts: tuple[np.ndarray, ...], limit: int) -> tuple[tuple[int, int], ...] | None:
    """Greedy cut of the reduction axis into pieces whose every output's partial sum is
    below 2**24 (None when a single term already reaches it); `parts` are non-negative
    [outputs, reduction] arrays, a piece's bound the largest sum of one of them."""
    k = parts[0].shape[1]
    total = max(int(part.sum(axis=1).max()) for part in parts)
    acc = np.int32 if total < 1 << 31 else np.int64
    cums = []
    for part in parts:
        cum = np.zeros((part.shape[0], k + 1), dtype=acc)
        np.cumsum(part, axis=1, out=cum[:, 1:], dtype=acc)
        cums.append(cum)
    pieces, start = [], 0
    while start < k:
        span = (
            np.max(
                [(cum[:, start + 1 :] - cum[:, start : start + 1]).max(axis=0) for cum in cums],
                axis=0,
            ).astype(np.int64)
            * limit
        )
        stop = start + int(np.searchsorted(span, FLOAT32_EXACT, side="left"))
        if stop == start:
            return None
        pieces.append((start, stop))
        start = stop
        if len(pieces) > MAX_PIECES:
            break
    return tuple(pieces)


def _contract(plan: _Plan, a: np.ndarray, b: np.ndarray, monotone: bool = False) -> np.ndarray:
    """a[..., K] @ b[..., K, P] (per piece of K, summed in float64 when split). `monotone`:
    every product is >= 0, so one float32 product whose results are all below 2**24 had
    only exact partial sums (each lies between 0 and its final sum) and is kept."""
    if len(plan.pieces) == 1:
        return np.matmul(a, b)
    if monotone and plan.dtype == np.float32:
        whole = np.matmul(a, b)
        if not whole.size or float(whole.max()) < FLOAT32_EXACT:
            return whole
        plan.monotone = False  # this layer's sums reach 2**24: the pieces from now on
    total = None
    for start, stop in plan.pieces:
        part = np.matmul(a[..., start:stop], b[..., start:stop, :])
        if total is None:
            total = part.astype(np.float64)
        else:
            total += part
    return total


def _add_bias(y: np.ndarray, b: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
    if b is not None:
        y += b.reshape(shape)
    return y


def dense(node: Node, x, w, b=None) -> np.ndarray | None:
    """Dense on integer codes through float BLAS, or None when it is not provably exact."""
    if reference_mode() or not _integer(x, w) or (b is not None and b.dtype != np.int64):
        return None
    plan = _plan(node, (w,), lambda: _weight_plan(node, w, w))
    plan, monotone = (
        _activation_plan(plan, x, node.inputs[0]) if plan.dtype is not None else (None, False)
    )
    if plan is None:
        return None
    wf = plan.floats[1]
    y = _contract(plan, x.astype(plan.dtype), wf.T, monotone).astype(_result_dtype(plan.bound, b))
    return _add_bias(y, b, b.shape if b is not None else ())


def matmul(node: Node, a, b) -> np.ndarray | None:
    """MatMul of integer codes through float BLAS, or None when it is not provably exact."""
    if reference_mode() or not _integer(a, b):
        return None
    constants = tuple(x for x, v in zip((a, b), node.inputs, strict=True) if v.is_constant)
    plan = _plan(node, constants, lambda: _matmul_plan(node, a, b))
    limits = [code_limit(v.dtype) for v in node.inputs]
    if plan.dtype is None or not all(
        _within(x, lim) for x, lim in zip((a, b), limits, strict=True)
    ):
        return None
    fa, fb = (plan.floats.get(i) for i in (0, 1))
    fa = a.astype(plan.dtype) if fa is None else fa
    fb = b.astype(plan.dtype) if fb is None else fb
    return np.matmul(fa, fb).astype(_result_dtype(plan.bound))


def _matmul_plan(node: Node, a: np.ndarray, b: np.ndarray) -> _Plan:
    limits = [code_limit(v.dtype) for v in node.inputs]
    if None in limits:
        return _Plan(None)
    bound = limits[0] * limits[1] * a.shape[-1]
    dtype = float_dtype(bound)
    if dtype is None:
        return _Plan(None)
    floats = {i: x.astype(dtype) for i, x in enumerate((a, b)) if node.inputs[i].is_constant}
    return _Plan(dtype, floats, bound=bound)


def conv(node: Node, x, w, b=None) -> np.ndarray | None:
    """Conv / DepthwiseConv on integer codes through float BLAS (im2col, one matmul batched
    over the groups; depthwise: a loop over the kernel taps), or None when it is not
    provably exact. The result is in the narrowest integer dtype holding its bound."""
    if reference_mode() or not _integer(x, w) or (b is not None and b.dtype != np.int64):
        return None
    group = int(node.attrs["group"])
    m = w.shape[0]
    plan = _plan(node, (w,), lambda: _weight_plan(node, w, w.reshape(m, -1)))
    plan, monotone = (
        _activation_plan(plan, x, node.inputs[0]) if plan.dtype is not None else (None, False)
    )
    if plan is None:
        return None
    dtype = plan.dtype
    rank = x.ndim - 2
    kernel = w.shape[2:]
    strides, pads, dilations = spatial_params(node, rank, kernel)
    n, c = x.shape[:2]
    cg, mg = c // group, m // group
    taps = int(np.prod(kernel))
    depthwise = cg == 1 and taps <= 64 and group > 1
    padded = tuple(x.shape[2 + i] + pads[i] + pads[rank + i] for i in range(rank))
    out = tuple(
        (padded[i] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1 for i in range(rank)
    )
    if any(pads):
        # the padded float copy in one pass: zeros, the codes cast into the interior
        xf = np.zeros((n, c) + padded, dtype=dtype)
        inside = tuple(slice(pads[i], pads[i] + x.shape[2 + i]) for i in range(rank))
        xf[(slice(None), slice(None), *inside)] = x
    elif depthwise or (n == 1 and taps == 1 and x.shape[2:] == out):
        xf = x.astype(dtype)
    else:
        xf = x  # the im2col copy below casts the codes as it copies them
    view = windows(xf, kernel, strides, dilations, out)  # N, C, *out, *k
    wf = plan.floats[1].reshape(group, mg, cg * taps)
    if depthwise:
        # depthwise: a multiply-add per kernel tap over channels and pixels
        acc = dtype if len(plan.pieces) == 1 else np.float64
        y = np.zeros((n, group, mg) + out, dtype=acc)
        for t, tap in enumerate(np.ndindex(*kernel)):
            xs = view[(Ellipsis, *tap)][:, :, None]  # N, C, 1, *out
            y += xs * wf[:, :, t].reshape((1, group, mg) + (1,) * rank)
        result = y.reshape((n, m) + out).astype(_result_dtype(plan.bound, b))
    else:
        # im2col as [group, cg·taps, N·pixels], one matmul batched over the groups
        if n == 1 and taps == 1 and xf.shape[2:] == out:
            cols = xf.reshape(group, cg, -1)  # a 1×1 kernel at stride 1: the input itself
        else:
            cols = np.empty((group, cg) + tuple(kernel) + (n,) + out, dtype=dtype)
            axes = (1, *range(2 + rank, 2 + 2 * rank), 0, *range(2, 2 + rank))
            cols.reshape((group * cg,) + cols.shape[2:])[...] = view.transpose(axes)
        y = _contract(plan, wf, cols.reshape(group, cg * taps, -1), monotone)  # group, mg, N·pixels
        result = np.empty((n, m) + out, dtype=_result_dtype(plan.bound, b))
        np.copyto(
            result,
            y.reshape((m, n) + out).transpose((1, 0, *range(2, 2 + rank))),
            casting="unsafe",
        )
    return _add_bias(result, b, (m,) + (1,) * rank)
