"""Integer rules of data movement: Concat (inputs requantized to one type) and the
pass-through ops, whose codes move unchanged."""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import Trait, ops_with
from fpgaforge.numerics.convert import quantize_real
from fpgaforge.quant.lower.driver import Lowering, integer_rule


@integer_rule("Concat")
def concat(lo: Lowering, node: Node) -> None:
    out_t = lo.type_of(node.outputs[0])
    inputs = []
    for i, value in enumerate(node.inputs):
        if value is not None and value.const is not None:
            inputs.append(
                lo.const(
                    f"{node.name}_const{i}",
                    quantize_real(np.asarray(value.const, np.float64), out_t),
                    out_t,
                )
            )
        else:
            inputs.append(lo.requant(lo.get(value), out_t, node, f"{node.outputs[0].name}_in{i}"))
    (out,) = lo.emit("Concat", inputs, out_t, node, out_names=[node.outputs[0].name])
    lo.map[id(node.outputs[0])] = out


@integer_rule(*ops_with(Trait.PASS_THROUGH))
def pass_through(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    attrs = dict(node.attrs)
    if node.op == "Pad":
        attrs["value"] = int(quantize_real(np.asarray([attrs["value"]], np.float64), x.dtype)[0])
    if node.op == "Resize" and attrs["mode"] != "nearest":
        raise QuantizationError(
            f"{attrs['mode'].capitalize()} resizing at {node.where()} has no integer form; "
            f"use mode nearest."
        )
    if node.op == "Resize" and attrs["coordinate_transformation_mode"] == "tf_crop_and_resize":
        raise QuantizationError(
            f"The tf_crop_and_resize Resize at {node.where()} has no integer form; quantize "
            f"a model without it."
        )
    outs = lo.emit(
        node.op,
        [x],
        [x.dtype] * len(node.outputs),
        node,
        attrs=attrs,
        out_names=[v.name for v in node.outputs],
    )
    for src, dst in zip(node.outputs, outs, strict=True):
        lo.map[id(src)] = dst
