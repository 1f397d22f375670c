"""Ops that exist only in quantized graphs: Quantize, Requant, Dequantize.

Quantize turns the float inputs of a graph into codes; Requant is the hardware's
rescale step from a wide accumulator to a narrower type (integer multiply,
arithmetic shift right with the output type's rounding, then saturate or wrap);
Dequantize turns codes back into real numbers.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.ir.codes import storage_dtype
from fpgaforge.ir.context import CURRENT_OVERFLOW
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.intmac import code_limit, reference_mode
from fpgaforge.ir.ops.registry import REQUIRED, OpDef, TensorType, Trait, register
from fpgaforge.numerics.convert import quantize_real
from fpgaforge.numerics.fixed import to_float
from fpgaforge.numerics.requant import requantize, requantize_channels


def _overflow_counter():
    return CURRENT_OVERFLOW.get()


@register
class Quantize(OpDef):
    name = "Quantize"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {"to": REQUIRED}
    doc = "Float → codes of the numeric type `to` (its rounding and overflow modes)."
    narrow_codes = True

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        return [(x.shape, node.attrs["to"])]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        return [to_float(self.compute_int(node, x)[0], node.attrs["to"])]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        return [
            quantize_real(
                np.asarray(x, dtype=np.float64), node.attrs["to"], stats=_overflow_counter()
            )
        ]


@register
class Requant(OpDef):
    name = "Requant"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {
        "to": REQUIRED,
        "multiplier": REQUIRED,
        "shift": REQUIRED,
        "axis": 1,
        "rounding": REQUIRED,
        "overflow": REQUIRED,
    }
    doc = (
        "y = overflow(round((x · multiplier) >> shift)) into type `to`; multiplier and shift are ints "
        "or per-channel tuples along `axis`."
    )
    narrow_codes = True

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        multiplier, shift = node.attrs["multiplier"], node.attrs["shift"]
        if isinstance(multiplier, tuple) or isinstance(shift, tuple):
            channels = x.shape[node.attrs["axis"]] if x.rank > node.attrs["axis"] else 0
            for name, value in (("multiplier", multiplier), ("shift", shift)):
                if isinstance(value, tuple) and len(value) != channels:
                    raise self.fail(
                        node, f"{name} has {len(value)} entries for {channels} channels"
                    )
        return [(x.shape, node.attrs["to"])]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        multiplier = np.asarray(node.attrs["multiplier"], dtype=np.float64)
        shift = np.asarray(node.attrs["shift"], dtype=np.float64)
        factor = multiplier * np.exp2(-shift)
        if factor.ndim:
            factor = factor.reshape((-1,) + (1,) * (np.ndim(x) - node.attrs["axis"] - 1))
        return [np.asarray(x, dtype=np.float64) * factor]

    def compute_int(self, node: Node, x) -> list[np.ndarray]:
        attrs = node.attrs
        codes = np.asarray(x)
        stats = _overflow_counter()
        common = {
            "rounding": attrs["rounding"],
            "out": attrs["to"],
            "overflow": attrs["overflow"],
            "stats": stats,
            # the input's codes lie within its type (the numeric contract): no scan for a
            # bound (the int64 reference scans)
            "limit": None if reference_mode() else code_limit(node.inputs[0].dtype),
            # int32 steps and narrow codes out, except in the int64 reference
            "result_dtype": np.int64
            if reference_mode()
            else storage_dtype(attrs["to"]) or np.int64,
        }
        multiplier, shift = attrs["multiplier"], attrs["shift"]
        if not isinstance(multiplier, tuple) and not isinstance(shift, tuple):
            return [requantize(codes, multiplier, shift, **common)]
        axis = attrs["axis"]
        channels = codes.shape[axis]
        multipliers = multiplier if isinstance(multiplier, tuple) else (multiplier,) * channels
        shifts = shift if isinstance(shift, tuple) else (shift,) * channels
        if not reference_mode():
            axis = axis % codes.ndim
            fast = requantize_channels(codes, multipliers, shifts, axis, **common)
            if fast is not None:
                return [fast]
        out = np.empty(codes.shape, dtype=np.int64)
        moved_in, moved_out = np.moveaxis(codes, axis, 0), np.moveaxis(out, axis, 0)
        for c in range(channels):
            moved_out[c] = requantize(moved_in[c], multipliers[c], shifts[c], **common)
        return [out]


@register
class Dequantize(OpDef):
    name = "Dequantize"
    traits = frozenset({Trait.QUANTIZER, Trait.ELEMENTWISE})
    attrs = {}
    doc = "Codes → real values (float64, exact where representable)."

    def infer(self, node: Node) -> list[TensorType]:
        x = node.inputs[0]
        assert x is not None
        return [(x.shape, np.dtype(np.float64))]

    def compute(self, node: Node, x) -> list[np.ndarray]:
        value = node.inputs[0]
        assert value is not None
        if isinstance(value.dtype, np.dtype):
            return [np.asarray(x, dtype=np.float64)]
        return [to_float(x, value.dtype)]
