"""QONNX emitters of the table-based row ops: Softmax, LRN and LayerNorm (their tables are rebuilt
from the types when the file is lowered again)."""

from __future__ import annotations

import numpy as np
from onnx import helper

from fpgaforge.ir.node import Node
from fpgaforge.quant.qonnx.export import Exporter, emitter


@emitter("Softmax")
def softmax(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    op = "LogSoftmax" if a["log"] else "Softmax"
    if not a["legacy"]:
        ex.nodes.append(helper.make_node(op, ins[:1], outs, name=node.name, axis=int(a["axis"])))
        return
    # opset < 13 softmax: the rows are the input flattened to 2-D at `axis`
    flat, rows = f"{node.name}__flat", f"{node.name}__rows"
    ex.nodes.append(helper.make_node("Flatten", ins[:1], [flat], name=flat, axis=int(a["axis"])))
    ex.nodes.append(helper.make_node(op, [flat], [rows], name=rows, axis=1))
    target = [0, *node.outputs[0].shape[1:]]
    shape = ex.init(f"{node.name}__shape", np.asarray(target, np.int64))
    ex.nodes.append(helper.make_node("Reshape", [rows, shape], outs, name=node.name))


@emitter("LRN")
def lrn(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    ex.nodes.append(
        helper.make_node(
            "LRN",
            ins[:1],
            outs,
            name=node.name,
            size=int(a["size"]),
            alpha=float(a["alpha"]),
            beta=float(a["beta"]),
            bias=float(a["bias"]),
        )
    )


@emitter("LayerNorm")
def layernorm(ex: Exporter, node: Node, ins, outs) -> None:
    """LayerNormalization with float scale and bias (the integer form is rebuilt from the
    types when the file is lowered again)."""
    names = [ins[0]]
    for i, value in enumerate(node.inputs[1:], start=1):
        if value is not None:
            names.append(ex.param(node, i, None, "scale" if i == 1 else "bias"))
    a = node.attrs
    ex.nodes.append(
        helper.make_node(
            "LayerNormalization",
            names,
            outs,
            name=node.name,
            axis=int(a["axis"]),
            epsilon=float(a["epsilon"]),
        )
    )
