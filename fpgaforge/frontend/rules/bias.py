"""Fold a constant `Add` after a bias-free Conv, DepthwiseConv or Dense into its bias.

The constant must be one value per output channel (or one value for all),
shaped so that the Add does not broadcast the layer's output any further.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.families import WEIGHTED
from fpgaforge.frontend.rules.patterns import other_operand
from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite, single_user
from fpgaforge.ir.value import Value


def _match(graph: Graph, node: Node) -> bool:
    """An `Add` with an operand from a weighted layer."""
    if node.op != "Add":
        return False
    return any(
        v is not None and v.producer is not None and v.producer.op in WEIGHTED for v in node.inputs
    )


def _layer(node: Node) -> tuple[Node, Value] | None:
    """The weighted layer feeding the Add and the Add's constant other operand."""
    for value in node.inputs:
        if value is not None and value.producer is not None and value.producer.op in WEIGHTED:
            other = other_operand(node, value)
            if other is not None and other.is_constant:
                return value.producer, other
    return None


def _vector(layer: Node, other: Value) -> np.ndarray | None:
    """The constant `other` as a per-channel bias of `layer`, or None when it is not one."""
    data = np.asarray(other.const)
    out = layer.outputs[0]
    channels = layer.inputs[1].shape[0] if layer.inputs[1] is not None else 0
    if layer.op == "Dense":
        if data.size in (1, channels) and (
            data.ndim <= 1 or data.shape[:-1] == (1,) * (data.ndim - 1)
        ):
            return np.broadcast_to(data.reshape(-1), (channels,))
        return None
    expected = [1] * out.rank
    expected[1] = channels
    if data.ndim == out.rank - 1:
        data = data.reshape((1,) + data.shape)
    if (
        data.ndim == out.rank
        and all(d in (1, e) for d, e in zip(data.shape, expected, strict=True))
        and all(d == 1 for i, d in enumerate(data.shape) if i != 1)
    ):
        return np.broadcast_to(data.reshape(-1), (channels,))
    return None


def _check(graph: Graph, node: Node) -> str | None:
    found = _layer(node)
    if found is None:
        return "the other operand is not constant"
    layer, other = found
    if layer.input(2) is not None:
        return "the layer already has a bias"
    if single_user(graph, layer) is not node:
        return "the layer's output has other users"
    if layer.inputs[1] is None or not layer.inputs[1].is_constant:
        return "the layer's weights are not constant"
    if _vector(layer, other) is None:
        return f"the constant of shape {other.shape} is not a per-channel bias"
    if node.outputs[0].shape != layer.outputs[0].shape:
        return "the Add broadcasts the layer's output to a larger shape"
    return None


def _rewrite(graph: Graph, node: Node) -> None:
    layer, other = _layer(node)  # type: ignore[misc]
    vector = _vector(layer, other)
    weight = layer.inputs[1]
    bias = graph.add_constant(f"{layer.name}_bias", np.asarray(vector, dtype=weight.const.dtype))
    replace_nodes(graph, [node, layer], layer.op, [layer.inputs[0], weight, bias], layer)


FOLD_BIAS = Rewrite("fold-bias-add", _match, _check, _rewrite)
