"""Fold an `Affine` (an unfolded BatchNorm) into the Conv, DepthwiseConv or Dense before it.

The layer's weights are scaled per output channel and the BatchNorm shift
(plus the scaled old bias) becomes its bias.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.families import WEIGHTED
from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite, single_user


def _match(graph: Graph, node: Node) -> bool:
    """An `Affine` whose input comes from a weighted layer."""
    source = node.inputs[0]
    return (
        node.op == "Affine"
        and source is not None
        and source.producer is not None
        and source.producer.op in WEIGHTED
    )


def _check(graph: Graph, node: Node) -> str | None:
    producer = node.inputs[0].producer
    assert producer is not None
    if single_user(graph, producer) is not node:
        return "the layer's output has other users"
    if producer.inputs[1] is None or not producer.inputs[1].is_constant:
        return "the layer's weights are not constant"
    bias = producer.input(2)
    if bias is not None and not bias.is_constant:
        return "the layer's bias is not constant"
    if not (node.inputs[1].is_constant and node.inputs[2].is_constant):
        return "the BatchNorm parameters are not constant"
    out_axis = 1 if producer.op != "Dense" else producer.outputs[0].rank - 1
    if node.attrs["axis"] != out_axis:
        return f"BatchNorm normalizes axis {node.attrs['axis']}, the layer's channels are axis {out_axis}"
    return None


def _rewrite(graph: Graph, node: Node) -> None:
    producer = node.inputs[0].producer
    assert producer is not None
    scale = np.asarray(node.inputs[1].const, np.float64).reshape(-1)
    shift = np.asarray(node.inputs[2].const, np.float64).reshape(-1)
    weight = np.asarray(producer.inputs[1].const)
    channels = weight.shape[0]
    scale = np.broadcast_to(scale, (channels,))
    shift = np.broadcast_to(shift, (channels,))
    bias_value = producer.input(2)
    bias = (
        np.zeros(channels)
        if bias_value is None
        else np.asarray(bias_value.const, np.float64).reshape(-1)
    )
    new_weight = (
        weight.astype(np.float64) * scale.reshape((channels,) + (1,) * (weight.ndim - 1))
    ).astype(weight.dtype)
    new_bias = (bias * scale + shift).astype(weight.dtype)
    inputs = [
        producer.inputs[0],
        graph.add_constant(f"{producer.name}_weight", new_weight),
        graph.add_constant(f"{producer.name}_bias", new_bias),
    ]
    replace_nodes(graph, [node, producer], producer.op, inputs, producer)


FOLD_AFFINE = Rewrite("fold-batchnorm", _match, _check, _rewrite)
