"""Spatial means become global average pools; divisions by a constant become
multiplications by its reciprocal.

ReduceMean over every spatial axis of an N×C×spatial tensor is a GlobalAveragePool (with a
Reshape after it when the reduced axes are dropped), which pooling hardware and the
quantizer already handle. Div(x, c) with a constant c without zeros is Mul(x, 1/c).
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite


def _match_mean(graph: Graph, node: Node) -> bool:
    return node.op == "Reduce" and node.attrs["kind"] == "mean"


def _check_mean(graph: Graph, node: Node) -> str | None:
    x = node.inputs[0]
    assert x is not None
    if x.rank < 3:
        return f"the input has rank {x.rank}, no spatial axes"
    if tuple(node.attrs["axes"] or range(x.rank)) != tuple(range(2, x.rank)):
        return f"axes {node.attrs['axes']} are not exactly the spatial axes"
    return None


def _rewrite_mean(graph: Graph, node: Node) -> None:
    x = node.inputs[0]
    assert x is not None
    attrs = {"kind": "avg", "p": 2}
    if node.attrs["keepdims"]:
        replace_nodes(graph, [node], "GlobalPool", [x], node, attrs)
        return
    pool = graph.add_node(
        "GlobalPool", [x], name=f"{node.name}__pool", source=node.source, attrs=attrs
    )
    shape = tuple(node.outputs[0].shape)
    replace_nodes(graph, [node], "Reshape", [pool.outputs[0]], node, {"shape": shape})


SPATIAL_MEAN = Rewrite("spatial-mean-to-global-pool", _match_mean, _check_mean, _rewrite_mean)


def _match_div(graph: Graph, node: Node) -> bool:
    divisor = node.inputs[1] if node.op == "Div" and len(node.inputs) == 2 else None
    return divisor is not None and divisor.const is not None


def _check_div(graph: Graph, node: Node) -> str | None:
    divisor = np.asarray(node.inputs[1].const)
    if divisor.dtype.kind != "f":
        return "an integer division rounds toward zero"
    if not np.all(np.isfinite(divisor)) or np.any(divisor == 0):
        return "the divisor has zeros or non-finite entries"
    x = node.inputs[0]
    if x is None or x.const is not None:
        return "the dividend is a constant"
    return None


def _rewrite_div(graph: Graph, node: Node) -> None:
    divisor = node.inputs[1]
    data = np.asarray(divisor.const)
    reciprocal = graph.add_constant(
        f"{divisor.name}__reciprocal", (1.0 / data.astype(np.float64)).astype(data.dtype)
    )
    replace_nodes(graph, [node], "Mul", [node.inputs[0], reciprocal], node, {})


DIV_BY_CONSTANT = Rewrite("div-by-constant-to-mul", _match_div, _check_div, _rewrite_div)
