"""QONNX emitters of arithmetic on activations: Add, Sub, Mul, Max, Min and MatMul."""

from __future__ import annotations

from onnx import helper

from fpgaforge.ir.node import Node
from fpgaforge.quant.qonnx.export import Exporter, emitter


@emitter("Add", "Sub", "Mul", "Max", "Min")
def binary(ex: Exporter, node: Node, ins, outs) -> None:
    names = []
    for i, value in enumerate(node.inputs):
        if value is not None and value.const is not None:
            names.append(ex.param(node, i, ex.plan.weights.get(node.name), f"const{i}"))
        else:
            names.append(ins[i])
    ex.nodes.append(helper.make_node(node.op, names, outs, name=node.name))


@emitter("MatMul")
def matmul(ex: Exporter, node: Node, ins, outs) -> None:
    ex.nodes.append(helper.make_node("MatMul", ins[:2], outs, name=node.name))
