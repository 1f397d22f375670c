"""QONNX emitter of Activation: one ONNX op per function (SiLU as Sigmoid and Mul)."""

from __future__ import annotations

import numpy as np
from onnx import helper

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.quant.qonnx.export import Exporter, emitter

_SIMPLE = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "hard_swish": "HardSwish",
    "exp": "Exp",
    "softplus": "Softplus",
    "softsign": "Softsign",
    "abs": "Abs",
    "neg": "Neg",
    "erf": "Erf",
}
"""Functions that are one ONNX op without attributes."""


@emitter("Activation")
def activation(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    func = a["func"]
    if func in _SIMPLE:
        ex.nodes.append(helper.make_node(_SIMPLE[func], ins[:1], outs, name=node.name))
    elif func == "leaky_relu":
        ex.nodes.append(
            helper.make_node("LeakyRelu", ins[:1], outs, name=node.name, alpha=float(a["alpha"]))
        )
    elif func == "elu":
        ex.nodes.append(
            helper.make_node("Elu", ins[:1], outs, name=node.name, alpha=float(a["alpha"]))
        )
    elif func == "hard_sigmoid":
        ex.nodes.append(
            helper.make_node(
                "HardSigmoid",
                ins[:1],
                outs,
                name=node.name,
                alpha=float(a["alpha"]),
                beta=float(a["beta"]),
            )
        )
    elif func == "clip":
        low = "" if a["min"] is None else ex.init(f"{node.name}__min", np.float32(a["min"]))
        high = "" if a["max"] is None else ex.init(f"{node.name}__max", np.float32(a["max"]))
        ex.nodes.append(helper.make_node("Clip", [ins[0], low, high], outs, name=node.name))
    elif func == "silu":
        sig = f"{node.name}__sigmoid"
        ex.nodes.append(helper.make_node("Sigmoid", ins[:1], [sig], name=f"{node.name}__sigmoid"))
        ex.nodes.append(helper.make_node("Mul", [ins[0], sig], outs, name=node.name))
    else:
        raise QuantizationError(
            f"Saving {node.where()} as QONNX is not supported for activation {func!r}."
        )
