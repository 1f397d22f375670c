"""Integer rule of Activation: ReLU and clip on codes, any other function through a
lookup table (see fpgaforge.quant.lut)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import registry
from fpgaforge.numerics.convert import lsb, quantize_real
from fpgaforge.numerics.types import NumericType
from fpgaforge.quant.lower.driver import Lowering, integer_rule
from fpgaforge.quant.lut import build_table


@integer_rule("Activation")
def activation(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    out = node.outputs[0]
    func = node.attrs["func"]
    if func == "relu":
        (y,) = lo.emit("Activation", [x], x.dtype, node, out_names=[out.name])
    elif func == "clip":
        (y,) = lo.emit("Activation", [x], x.dtype, node, out_names=[out.name])
        producer = y.producer
        assert producer is not None
        producer.quant = dataclasses.replace(producer.quant, clip_codes=_clip_codes(node, x.dtype))
    else:
        out_t = lo.type_of(out)
        definition = registry.get("Activation")

        def function(real: np.ndarray) -> np.ndarray:
            return definition.compute(node, real)[0]

        try:
            table = build_table(function, x.dtype, out_t, quantize_real)
        except ValueError as exc:
            raise QuantizationError(
                f"The activation at {node.where()} cannot use a lookup table: {exc}."
            ) from None
        (y,) = lo.emit("Activation", [x], out_t, node, out_names=[out.name])
        producer = y.producer
        assert producer is not None
        producer.quant = dataclasses.replace(producer.quant, table=table)
    lo.map[id(out)] = y


def _clip_codes(node: Node, t: NumericType) -> tuple[int, int]:
    step = float(lsb(t)[0])
    low = (
        t.min_code
        if node.attrs["min"] is None
        else max(t.min_code, math.ceil(node.attrs["min"] / step))
    )
    high = (
        t.max_code
        if node.attrs["max"] is None
        else min(t.max_code, math.floor(node.attrs["max"] / step))
    )
    return int(low), int(high)
