"""Integer rules of pooling: max pooling moves codes; average pooling sums, then a
Requant divides by the window size."""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.quant.lower.driver import Lowering, integer_rule, terms_bits, widen


@integer_rule("Pool", "GlobalPool")
def pool(lo: Lowering, node: Node) -> None:
    x = lo.get(node.inputs[0])
    kind = node.attrs["kind"]
    out = node.outputs[0]
    if kind == "max":
        (y,) = lo.emit(node.op, [x], x.dtype, node, out_names=[out.name])
        lo.map[id(out)] = y
        return
    if kind != "avg":
        raise QuantizationError(f"Lp pooling at {node.where()} has no integer form.")
    if node.op == "Pool":
        n = int(np.prod(node.attrs["kernel"]))
        if any(node.attrs["pads"]) and not node.attrs["count_include_pad"]:
            raise QuantizationError(
                f"Average pooling at {node.where()} excludes padding from its divisor, so each window divides "
                f"by a different count; quantized average pooling needs count_include_pad=1 or no padding."
            )
    else:
        n = int(np.prod(node.inputs[0].shape[2:]))
    (total,) = lo.emit(
        node.op, [x], widen(x.dtype, terms_bits(n)), node, out_names=[f"{out.name}_sum"]
    )
    lo.map[id(out)] = lo.requant(total, lo.type_of(out), node, out.name, extra=1.0 / n)
