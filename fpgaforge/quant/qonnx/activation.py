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
    elif func == "gelu":
        _gelu(ex, node, ins[0], outs)
    else:
        raise QuantizationError(
            f"Saving {node.where()} as QONNX is not supported for activation {func!r}."
        )


def _gelu(ex: Exporter, node: Node, x: str, outs) -> None:
    """GELU as 0.5 · x · (1 + erf(x / sqrt 2)), or its tanh form when `approximate` is tanh."""
    name = node.name
    if node.attrs.get("approximate") == "tanh":
        cube = [f"{name}__x2", f"{name}__x3", f"{name}__cx3", f"{name}__in", f"{name}__arg"]
        ex.nodes.append(helper.make_node("Mul", [x, x], [cube[0]], name=cube[0]))
        ex.nodes.append(helper.make_node("Mul", [cube[0], x], [cube[1]], name=cube[1]))
        c = ex.init(f"{name}__c", np.float32(0.044715))
        ex.nodes.append(helper.make_node("Mul", [cube[1], c], [cube[2]], name=cube[2]))
        ex.nodes.append(helper.make_node("Add", [x, cube[2]], [cube[3]], name=cube[3]))
        k = ex.init(f"{name}__k", np.float32(np.sqrt(2.0 / np.pi)))
        ex.nodes.append(helper.make_node("Mul", [cube[3], k], [cube[4]], name=cube[4]))
        inner = f"{name}__tanh"
        ex.nodes.append(helper.make_node("Tanh", [cube[4]], [inner], name=inner))
    else:
        scaled, inner = f"{name}__scaled", f"{name}__erf"
        k = ex.init(f"{name}__k", np.float32(1.0 / np.sqrt(2.0)))
        ex.nodes.append(helper.make_node("Mul", [x, k], [scaled], name=scaled))
        ex.nodes.append(helper.make_node("Erf", [scaled], [inner], name=inner))
    one = ex.init(f"{name}__one", np.float32(1.0))
    half = ex.init(f"{name}__half", np.float32(0.5))
    plus, halfx = f"{name}__plus", f"{name}__halfx"
    ex.nodes.append(helper.make_node("Add", [inner, one], [plus], name=plus))
    ex.nodes.append(helper.make_node("Mul", [x, half], [halfx], name=halfx))
    ex.nodes.append(helper.make_node("Mul", [halfx, plus], outs, name=name))
