"""Elementwise ops: broadcasting binary ops, Affine, PRelu and Activation."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.polynomial import chebyshev

from fpgaforge.ir.codes import compute_dtype, relu, widen
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.intmac import code_limit, reference_mode
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register
from fpgaforge.ir.value import Value


def broadcast_batch_safe(node: Node, inputs: list[Value | None]) -> bool:
    """True when dimension 0 of the output comes only from activations' dimension 0:
    every activation has the output's rank and no constant spans dimension 0."""
    rank = node.outputs[0].rank
    if rank == 0:
        return False
    for value in inputs:
        if value is None:
            continue
        if value.is_constant:
            if value.rank == rank and value.shape[0] != 1:
                return False
        elif value.rank != rank:
            return False
    return True


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Division; integers truncate toward zero like ONNX Div."""
    if np.result_type(a, b).kind in "iu":
        q = np.floor_divide(a, b)
        fix = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
        return q + fix.astype(q.dtype)
    return np.true_divide(a, b)


_ELEMENTWISE = frozenset({Trait.ELEMENTWISE})
_SUMS = frozenset({Trait.ELEMENTWISE, Trait.ACCUMULATING})

_BINARY: dict[
    str, tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], bool, frozenset[Trait]]
] = {
    # op: (numpy function, has integer semantics on codes, traits)
    "Add": (np.add, True, _SUMS),
    "Sub": (np.subtract, True, _SUMS),
    "Mul": (np.multiply, True, _SUMS),
    "Div": (_div, False, _ELEMENTWISE),
    "Pow": (np.power, False, _ELEMENTWISE),
    "Max": (np.maximum, True, _ELEMENTWISE),
    "Min": (np.minimum, True, _ELEMENTWISE),
}


class _Binary(OpDef):
    attrs = {}
    on_codes: bool = False
    """True when the op has integer semantics on codes (see `compute_int`)."""
    min_inputs, max_inputs = 2, 2
    narrow_codes = True

    def _dtype(self, a, b):
        return a if self.name == "Pow" else np.result_type(a, b)

    def infer(self, node: Node) -> list[TensorType]:
        a, b = node.inputs[0], node.inputs[1]
        assert a is not None and b is not None
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise self.fail(node, f"shapes {a.shape} and {b.shape} do not broadcast") from None
        return [(shape, self._dtype(a.dtype, b.dtype))]

    def compute(self, node: Node, a, b) -> list[np.ndarray]:
        a, b = np.asarray(a), np.asarray(b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = _BINARY[self.name][0](a, b)
        return [np.asarray(y).astype(self._dtype(a.dtype, b.dtype), copy=False)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)

    def compute_int(self, node: Node, a, b) -> list[np.ndarray]:
        """Add/Sub/Max/Min on codes of one common lsb, Mul giving the product's codes;
        in int32 when the operands' code ranges keep the result within it."""
        if not self.on_codes:
            return super().compute_int(node, a, b)
        limits = [code_limit(v.dtype) for v in node.inputs]
        dtype = np.dtype(np.int64)
        if not reference_mode() and None not in limits:
            la, lb = limits
            dtype = compute_dtype(la * lb if self.name == "Mul" else la + lb)
        a, b = (np.asarray(v).astype(dtype, copy=False) for v in (a, b))
        return [np.asarray(_BINARY[self.name][0](a, b))]


for _op, (_, _on_codes, _traits) in _BINARY.items():
    register(
        type(
            _op,
            (_Binary,),
            {
                "name": _op,
                "doc": f"numpy-broadcasting {_op}.",
                "on_codes": _on_codes,
                "traits": _traits,
            },
        )
    )


@register
class Affine(OpDef):
    name = "Affine"
    integer_exact = True
    traits = _SUMS
    attrs = {"axis": 1}
    min_inputs, max_inputs = 2, 3
    doc = "x * scale + bias with scale[C] and bias[C] broadcast along `axis` (unfolded BatchNorm)."
    narrow_codes = True

    def _axis(self, node: Node, rank: int) -> int:
        axis = int(node.attrs["axis"])
        if not -rank <= axis < rank:
            raise self.fail(node, f"axis {axis} is out of range for rank {rank}")
        return axis % rank

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        axis = self._axis(node, x.rank)
        dtypes = [x.dtype]
        for value in node.inputs[1:]:
            if value is None:
                continue
            if value.shape not in ((x.shape[axis],), (1,), ()):
                raise self.fail(
                    node,
                    f"{value.name!r} has shape {value.shape}, expected ({x.shape[axis]},) along axis {axis}",
                )
            dtypes.append(value.dtype)
        return [(x.shape, np.result_type(*dtypes))]

    def compute(self, node: Node, x, scale, bias=None) -> list[np.ndarray]:
        axis = self._axis(node, x.ndim)
        shape = (-1,) + (1,) * (x.ndim - axis - 1)
        dtypes = [a.dtype for a in (x, scale, bias) if a is not None]
        y = np.multiply(x, np.reshape(scale, shape), dtype=np.result_type(*dtypes))
        if bias is not None:
            y += np.reshape(bias, shape)  # in place: the product is a fresh array
        return [y]

    def compute_int(self, node: Node, x, scale, bias=None) -> list[np.ndarray]:
        """`compute` on codes, in int32 when the operands' code ranges keep every
        product and sum within it."""
        limits = [code_limit(v.dtype) for v in node.inputs if v is not None]
        if reference_mode() or None in limits:
            wide = [widen(a) if a is not None else None for a in (x, scale, bias)]
            return self.compute(node, *wide)
        peak = limits[0] * limits[1] + (limits[2] if len(limits) > 2 else 0)
        axis = self._axis(node, x.ndim)
        shape = (-1,) + (1,) * (x.ndim - axis - 1)
        dtype = compute_dtype(peak)
        y = np.multiply(x.astype(dtype, copy=False), np.reshape(scale, shape).astype(dtype))
        if bias is not None:
            y += np.reshape(bias, shape).astype(dtype)
        return [y]

    def batch_safe(self, node: Node) -> bool:
        x = node.inputs[0]
        assert x is not None
        return x.rank > 0 and int(node.attrs["axis"]) % x.rank != 0


@register
class PRelu(OpDef):
    name = "PRelu"
    traits = _ELEMENTWISE
    attrs = {}
    min_inputs, max_inputs = 2, 2
    doc = "where(x < 0, slope * x, x), slope broadcast to x."

    def infer(self, node: Node) -> list[TensorType]:
        x, slope = node.inputs[0], node.inputs[1]
        assert x is not None and slope is not None
        try:
            shape = np.broadcast_shapes(x.shape, slope.shape)
        except ValueError:
            shape = None
        if shape != x.shape:
            raise self.fail(
                node, f"slope {slope.name!r} of shape {slope.shape} does not broadcast to {x.shape}"
            )
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x, slope) -> list[np.ndarray]:
        return [np.where(x < 0, slope * x, x).astype(x.dtype, copy=False)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)


# ---- activations -----------------------------------------------------------

_ERF_LIMIT = 6.0
_erf_coefficients: np.ndarray | None = None


def erf(x: np.ndarray) -> np.ndarray:
    """Vectorized error function in float64 (relative error about 1e-12).

    erf(x) = x·g(x²) with g a Chebyshev interpolant of erf(√u)/√u on
    u ∈ [0, 36], fitted once from `math.erf`; |x| ≥ 6 gives ±1.
    """
    global _erf_coefficients
    if _erf_coefficients is None:
        span = _ERF_LIMIT**2

        def g(t: np.ndarray) -> np.ndarray:
            root = np.sqrt((t + 1.0) * span / 2.0)
            return np.array([math.erf(r) / r if r > 0 else 2.0 / math.sqrt(math.pi) for r in root])

        _erf_coefficients = chebyshev.chebinterpolate(g, 36)
    x = np.asarray(x, dtype=np.float64)
    clipped = np.clip(x, -_ERF_LIMIT, _ERF_LIMIT)
    t = clipped * clipped * (2.0 / _ERF_LIMIT**2) - 1.0
    y = clipped * chebyshev.chebval(t, _erf_coefficients)
    return np.where(np.abs(x) >= _ERF_LIMIT, np.sign(x), np.where(np.isnan(x), x, y))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _clip(x: np.ndarray, a: dict) -> np.ndarray:
    lo = -np.inf if a["min"] is None else a["min"]
    hi = np.inf if a["max"] is None else a["max"]
    return np.minimum(np.maximum(x, lo), hi)


def _gelu(x: np.ndarray, a: dict) -> np.ndarray:
    if a["approximate"] == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def _elu(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_ACTIVATIONS: dict[str, Callable[[np.ndarray, dict], np.ndarray]] = {
    "relu": lambda x, a: np.maximum(x, 0),
    "leaky_relu": lambda x, a: np.where(x >= 0, x, a["alpha"] * x),
    "clip": _clip,
    "sigmoid": lambda x, a: _sigmoid(x),
    "hard_sigmoid": lambda x, a: np.clip(a["alpha"] * x + a["beta"], 0.0, 1.0),
    "hard_swish": lambda x, a: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "tanh": lambda x, a: np.tanh(x),
    "exp": lambda x, a: np.exp(x),
    "log": lambda x, a: np.log(x),
    "sqrt": lambda x, a: np.sqrt(x),
    "abs": lambda x, a: np.abs(x),
    "neg": lambda x, a: np.negative(x),
    "reciprocal": lambda x, a: (
        np.reciprocal(x.astype(np.float64)) if x.dtype.kind in "iu" else 1.0 / x
    ),
    "erf": lambda x, a: erf(x),
    "floor": lambda x, a: np.floor(x),
    "ceil": lambda x, a: np.ceil(x),
    "sign": lambda x, a: np.sign(x),
    "sin": lambda x, a: np.sin(x),
    "cos": lambda x, a: np.cos(x),
    "round": lambda x, a: np.round(x),
    "softplus": lambda x, a: _softplus(x),
    "softsign": lambda x, a: x / (1.0 + np.abs(x)),
    "elu": lambda x, a: _elu(x, a["alpha"]),
    "selu": lambda x, a: a["gamma"] * _elu(x, a["alpha"]),
    "celu": lambda x, a: (
        np.maximum(x, 0) + np.minimum(0, a["alpha"] * np.expm1(np.minimum(x, 0) / a["alpha"]))
    ),
    "thresholded_relu": lambda x, a: np.where(x > a["alpha"], x, 0),
    "gelu": _gelu,
    "silu": lambda x, a: x * _sigmoid(x),
    "mish": lambda x, a: x * np.tanh(_softplus(x)),
    "pow": lambda x, a: np.power(x, a["alpha"]),
}

# functions computed in float64 and cast back (transcendental ones)
_EXACT = {
    "relu",
    "leaky_relu",
    "clip",
    "abs",
    "neg",
    "floor",
    "ceil",
    "sign",
    "round",
    "thresholded_relu",
}


@register
class Activation(OpDef):
    name = "Activation"
    traits = _ELEMENTWISE
    attrs = {
        "func": REQUIRED,
        "alpha": 0.0,
        "beta": 0.0,
        "gamma": 0.0,
        "min": None,
        "max": None,
        "approximate": "none",
    }
    doc = "Elementwise activation selected by `func` (see docs/ops.md)."
    narrow_codes = True

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        func = node.attrs["func"]
        if func not in _ACTIVATIONS:
            raise self.fail(
                node, f"activation {func!r} is unknown; known: {', '.join(sorted(_ACTIVATIONS))}"
            )
        if func == "gelu" and node.attrs["approximate"] not in ("none", "tanh"):
            raise self.fail(
                node,
                f"gelu approximate must be 'none' or 'tanh', got {node.attrs['approximate']!r}",
            )
        return [(x.shape, x.dtype)]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        func = node.attrs["func"]
        work = x
        if func not in _EXACT and x.dtype.kind == "f" and x.dtype.itemsize < 8:
            work = x.astype(np.float64)
        with np.errstate(all="ignore"):
            y = _ACTIVATIONS[func](work, node.attrs)
        return [np.asarray(y).astype(x.dtype, copy=False)]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        """ReLU on codes; clip to the code bounds the quantizer stored in
        `node.quant.clip_codes`; any other function through the lookup table in
        `node.quant.table` (see fpgaforge.quant.lut)."""
        func = node.attrs["func"]
        if func == "relu":
            return [np.maximum(x, 0) if reference_mode() else relu(x)]
        codes = np.asarray(x, dtype=np.int64)
        if func == "clip" and node.quant.clip_codes is not None:
            low, high = node.quant.clip_codes
            return [np.clip(codes, low, high)]
        table = node.quant.table
        if table is None:
            return super().compute_int(node, x)
        return [table.lookup(codes)]
