"""QONNX emitters of layers with constant parameters: Dense, Conv, DepthwiseConv, Affine."""

from __future__ import annotations

import numpy as np
from onnx import helper

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.quant.qonnx.export import Exporter, emitter


@emitter("Dense")
def dense(ex: Exporter, node: Node, ins, outs) -> None:
    w = ex.param(node, 1, ex.plan.weights.get(node.name), "weight", axis=0)
    b = ex.param(node, 2, ex.bias_type(node), "bias") if node.input(2) is not None else None
    if node.inputs[0].rank == 2:
        ex.nodes.append(
            helper.make_node(
                "Gemm", [ins[0], w] + ([b] if b else []), outs, name=node.name, transB=1
            )
        )
        return
    wt = f"{node.name}__weight_t"
    ex.nodes.append(
        helper.make_node("Transpose", [w], [wt], name=f"{node.name}__transpose", perm=[1, 0])
    )
    target = outs if b is None else [f"{node.name}__matmul"]
    ex.nodes.append(helper.make_node("MatMul", [ins[0], wt], target, name=node.name))
    if b is not None:
        ex.nodes.append(helper.make_node("Add", [target[0], b], outs, name=f"{node.name}__bias"))


@emitter("Conv", "DepthwiseConv")
def conv(ex: Exporter, node: Node, ins, outs) -> None:
    w = ex.param(node, 1, ex.plan.weights.get(node.name), "weight", axis=0)
    b = ex.param(node, 2, ex.bias_type(node), "bias") if node.input(2) is not None else None
    a = node.attrs
    ex.nodes.append(
        helper.make_node(
            "Conv",
            [ins[0], w] + ([b] if b else []),
            outs,
            name=node.name,
            strides=list(a["strides"]),
            pads=list(a["pads"]),
            dilations=list(a["dilations"]),
            group=int(a["group"]),
            kernel_shape=list(node.inputs[1].shape[2:]),
        )
    )


@emitter("Affine")
def affine(ex: Exporter, node: Node, ins, outs) -> None:
    channels = node.inputs[0].shape[node.attrs["axis"]]
    s = ex.param(
        node,
        1,
        ex.plan.weights.get(node.name),
        "scale",
        transform=lambda d: np.broadcast_to(d.reshape(-1), (channels,)),
    )
    if node.input(2) is not None:
        b = ex.param(
            node,
            2,
            ex.bias_type(node),
            "bias",
            transform=lambda d: np.broadcast_to(d.reshape(-1), (channels,)),
        )
    else:
        b = ex.init(f"{node.name}__zero_bias", np.zeros(channels, np.float32))
    mean = ex.init(f"{node.name}__mean", np.zeros(channels, np.float32))
    var = ex.init(f"{node.name}__var", np.ones(channels, np.float32))
    if node.attrs["axis"] != 1:
        raise QuantizationError(f"Saving {node.where()} as QONNX needs its channels on axis 1.")
    ex.nodes.append(
        helper.make_node(
            "BatchNormalization", [ins[0], s, b, mean, var], outs, name=node.name, epsilon=0.0
        )
    )
