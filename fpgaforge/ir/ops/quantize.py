"""Quantization ops: ONNX QuantizeLinear / DequantizeLinear (opset 21) and QONNX
Quant, BipolarQuant and Trunc (float semantics of qonnx's reference code)."""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.elementwise import broadcast_batch_safe
from fpgaforge.ir.ops.registry import OpDef, TensorType, Trait, register
from fpgaforge.ir.value import Value

_INT_TYPES = ("int8", "uint8", "int16", "uint16", "int32")


# ---- ONNX QuantizeLinear / DequantizeLinear ---------------------------------


def _param_axis(node: Node, rank: int) -> int:
    axis = int(node.attrs["axis"])
    if rank and not -rank <= axis < rank:
        raise OpDef.fail(node, f"axis {axis} is out of range for rank {rank}")
    return axis % rank if rank else 0


def _check_param(node: Node, x: Value, param: Value) -> None:
    """Scale / zero point must be per-tensor, per-axis (1-D) or blocked (x's rank)."""
    axis = _param_axis(node, x.rank)
    block = int(node.attrs["block_size"])
    if param.size == 1 and param.rank <= 1 and block == 0:
        return
    if block == 0:
        if param.rank != 1 or x.rank == 0 or param.shape[0] != x.shape[axis]:
            raise OpDef.fail(
                node,
                f"{param.name!r} of shape {param.shape} must be a scalar or have {x.shape[axis : axis + 1]} entries",
            )
        return
    blocks = -(-x.shape[axis] // block)
    expected = tuple(blocks if i == axis else d for i, d in enumerate(x.shape))
    if param.shape != expected:
        raise OpDef.fail(
            node,
            f"{param.name!r} has shape {param.shape}, expected {expected} for block size {block}",
        )


def _expand(node: Node, param: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Broadcastable form of a per-tensor, per-axis or blocked parameter."""
    param = np.asarray(param)
    block = int(node.attrs["block_size"])
    if param.size == 1 and param.ndim <= 1 and block == 0:
        return param.reshape(())
    axis = _param_axis(node, x.ndim)
    if block == 0:
        return param.reshape((-1,) + (1,) * (x.ndim - axis - 1))
    repeated = np.repeat(param, block, axis=axis)
    return repeated[
        tuple(slice(0, x.shape[axis]) if i == axis else slice(None) for i in range(x.ndim))
    ]


def _params_batch_safe(node: Node) -> bool:
    x = node.inputs[0]
    assert x is not None
    if x.rank == 0:
        return False
    per_tensor = all(v is None or (v.size == 1 and v.rank <= 1) for v in node.inputs[1:])
    return (per_tensor and int(node.attrs["block_size"]) == 0) or _param_axis(node, x.rank) != 0


@register
class QuantizeLinear(OpDef):
    name = "QuantizeLinear"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {"axis": 1, "block_size": 0, "saturate": True, "dtype": "uint8"}
    min_inputs, max_inputs = 2, 3
    doc = "ONNX QuantizeLinear: saturate(rint(x / scale) + zero_point); a zero point's dtype wins over `dtype`."

    def _dtype(self, node: Node) -> np.dtype:
        zero_point = node.input(2)
        if (
            zero_point is not None
            and isinstance(zero_point.dtype, np.dtype)
            and zero_point.dtype.kind in "iu"
        ):
            return zero_point.dtype
        name = node.attrs["dtype"]
        if name not in _INT_TYPES:
            raise self.fail(node, f"quantized dtype {name!r} is not one of {', '.join(_INT_TYPES)}")
        return np.dtype(name)

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        for param in node.inputs[1:]:
            if param is not None:
                _check_param(node, x, param)
        return [(x.shape, self._dtype(node))]

    def compute(self, node: Node, x, scale, zero_point=None) -> list[np.ndarray]:
        dtype = self._dtype(node)
        work = x if x.dtype.kind == "f" else x.astype(np.float32)
        q = np.rint(work / _expand(node, scale, x).astype(work.dtype, copy=False))
        if zero_point is not None:
            q = q + _expand(node, zero_point, x)
        info = np.iinfo(dtype)
        return [np.clip(q, info.min, info.max).astype(dtype)]

    def batch_safe(self, node: Node) -> bool:
        return _params_batch_safe(node)


@register
class DequantizeLinear(OpDef):
    name = "DequantizeLinear"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {"axis": 1, "block_size": 0}
    min_inputs, max_inputs = 2, 3
    doc = "ONNX DequantizeLinear: (x - zero_point) * scale in the scale's dtype."

    def infer(self, node: Node) -> list[TensorType]:
        x, scale = node.inputs[0], node.inputs[1]
        assert x is not None and scale is not None
        for param in node.inputs[1:]:
            if param is not None:
                _check_param(node, x, param)
        return [(x.shape, scale.dtype)]

    def compute(self, node: Node, x, scale, zero_point=None) -> list[np.ndarray]:
        diff = x.astype(np.int64)
        if zero_point is not None:
            diff = diff - _expand(node, zero_point, x).astype(np.int64)
        return [diff.astype(scale.dtype) * _expand(node, scale, x)]

    def batch_safe(self, node: Node) -> bool:
        return _params_batch_safe(node)


# ---- QONNX ------------------------------------------------------------------

_ROUNDING = {"ROUND": np.round, "CEIL": np.ceil, "FLOOR": np.floor}


def _rounding(node: Node):
    mode = str(node.attrs["rounding_mode"]).upper()
    if mode not in _ROUNDING:
        raise OpDef.fail(
            node, f"rounding mode {node.attrs['rounding_mode']!r} is not ROUND, CEIL or FLOOR"
        )
    return _ROUNDING[mode]


def int_range(bitwidth, signed: bool, narrow: bool) -> tuple[np.ndarray, np.ndarray]:
    """QONNX min_int / max_int for a (possibly array) bit width."""
    b = np.asarray(bitwidth, dtype=np.float64)
    if signed:
        low = -(2.0 ** (b - 1)) + (1.0 if narrow else 0.0)
        high = 2.0 ** (b - 1) - 1.0
    else:
        low = np.zeros_like(b)
        high = 2.0**b - (2.0 if narrow else 1.0)
    return low, high


def _check_broadcast(node: Node) -> list[TensorType]:
    x = node.inputs[0]
    assert x is not None
    for param in node.inputs[1:]:
        assert param is not None
        try:
            ok = np.broadcast_shapes(x.shape, param.shape) == x.shape
        except ValueError:
            ok = False
        if not ok:
            raise OpDef.fail(
                node,
                f"{param.name!r} of shape {param.shape} does not broadcast to the input {x.shape}",
            )
    return [(x.shape, x.dtype)]


@register
class Quant(OpDef):
    name = "Quant"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {"signed": 1, "narrow": 0, "rounding_mode": "ROUND"}
    min_inputs, max_inputs = 4, 4
    doc = "QONNX Quant: (clip(round(x/scale + zeropt), min_int, max_int) - zeropt) * scale."

    def infer(self, node: Node) -> list[TensorType]:
        _rounding(node)
        return _check_broadcast(node)

    def compute(self, node: Node, x, scale, zeropt, bitwidth) -> list[np.ndarray]:
        signed, narrow = bool(node.attrs["signed"]), bool(node.attrs["narrow"])
        y = x / scale + zeropt
        if signed and np.all(np.asarray(bitwidth) == 1):
            # qonnx: 1-bit signed quantization is bipolar
            y = np.where(y >= 0, 1.0, -1.0).astype(y.dtype)
        else:
            low, high = int_range(bitwidth, signed, narrow)
            y = _rounding(node)(np.clip(y, low.astype(y.dtype), high.astype(y.dtype)))
        return [((y - zeropt) * scale).astype(x.dtype, copy=False)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)


@register
class BipolarQuant(OpDef):
    name = "BipolarQuant"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {}
    min_inputs, max_inputs = 2, 2
    doc = "QONNX BipolarQuant: where(x >= 0, 1, -1) * scale."

    def infer(self, node: Node) -> list[TensorType]:
        return _check_broadcast(node)

    def compute(self, node: Node, x, scale) -> list[np.ndarray]:
        return [(np.where(x >= 0, 1.0, -1.0) * scale).astype(x.dtype, copy=False)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)


@register
class Trunc(OpDef):
    name = "Trunc"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {"rounding_mode": "FLOOR", "signed": 1, "narrow": 0}
    min_inputs, max_inputs = 5, 5
    doc = (
        "QONNX Trunc (5 inputs, qonnx opset 1): q = round(x/scale + zeropt) / 2^(in_bitwidth - out_bitwidth), "
        "clamped to the output range (signed, narrow) as in opset 2, rounded by rounding_mode; "
        "y = (q - zeropt) * scale."
    )

    def infer(self, node: Node) -> list[TensorType]:
        _rounding(node)
        return _check_broadcast(node)

    def compute(self, node: Node, x, scale, zeropt, in_bitwidth, out_bitwidth) -> list[np.ndarray]:
        y = np.round(x / scale + zeropt)
        trunc_scale = 2.0 ** (
            np.asarray(in_bitwidth, np.float64) - np.asarray(out_bitwidth, np.float64)
        )
        y = y / trunc_scale.astype(y.dtype)
        low, high = int_range(out_bitwidth, bool(node.attrs["signed"]), bool(node.attrs["narrow"]))
        y = _rounding(node)(np.clip(y, low.astype(y.dtype), high.astype(y.dtype)))
        return [((y - zeropt) * scale).astype(x.dtype, copy=False)]

    def batch_safe(self, node: Node) -> bool:
        return broadcast_batch_safe(node, node.inputs)
