"""Fuse the decomposed LayerNorm of older exports into one `LayerNorm` node.

(x − mean(x)) / sqrt(mean((x − mean(x))²) + eps) over the trailing axes, with
the constant scale (a Mul) and shift (an Add) that follow taken in when present.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.patterns import (
    intermediates_private,
    other_operand,
    producer,
    scalar,
)
from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite
from fpgaforge.ir.value import Value


def _parts(node: Node) -> dict | None:
    """Match (x − mean(x)) / sqrt(mean((x − mean(x))²) + eps) [· γ] [+ β] ending at a Div."""
    if node.op != "Div":
        return None
    centered, denom = node.inputs[0], node.inputs[1]
    sub = producer(centered, "Sub")
    sqrt = producer(denom, "Activation", "sqrt")
    if sub is None or sqrt is None:
        return None
    x, mean_value = sub.inputs[0], sub.inputs[1]
    mean = producer(mean_value, "Reduce")
    if (
        mean is None
        or mean.attrs["kind"] != "mean"
        or mean.inputs[0] is not x
        or not mean.attrs["keepdims"]
    ):
        return None
    axes = mean.attrs["axes"]
    if axes is None or x is None or tuple(axes) != tuple(range(x.rank - len(axes), x.rank)):
        return None
    add_eps = producer(sqrt.inputs[0], "Add")
    if add_eps is None:
        return None
    eps_values = [v for v in add_eps.inputs if scalar(v) is not None]
    var_values = [v for v in add_eps.inputs if producer(v, "Reduce") is not None]
    if len(eps_values) != 1 or len(var_values) != 1:
        return None
    var = var_values[0].producer
    if var.attrs["kind"] != "mean" or tuple(var.attrs["axes"] or ()) != tuple(axes):
        return None
    square = var.inputs[0].producer if var.inputs[0] is not None else None
    if square is None:
        return None
    if square.op == "Pow":
        if scalar(square.inputs[1]) != 2.0 or square.inputs[0] is not centered:
            return None
    elif square.op == "Mul":
        if square.inputs[0] is not centered or square.inputs[1] is not centered:
            return None
    else:
        return None
    return {
        "x": x,
        "axis": axes[0],
        "epsilon": scalar(eps_values[0]),
        "nodes": [node, sub, mean, sqrt, add_eps, var, square],
    }


def _match(graph: Graph, node: Node) -> bool:
    return _parts(node) is not None


def _check(graph: Graph, node: Node) -> str | None:
    parts = _parts(node)
    assert parts is not None
    return intermediates_private(graph, parts["nodes"])


def _rewrite(graph: Graph, node: Node) -> None:
    parts = _parts(node)
    assert parts is not None
    x: Value = parts["x"]
    out = node.outputs[0]
    norm_shape = x.shape[parts["axis"] :]
    scale = np.ones(norm_shape, dtype=np.float32)
    bias = None
    final = out
    user = out.users[0] if len(out.users) == 1 and out not in graph.outputs else None
    if user is not None and user.op == "Mul":
        gamma = other_operand(user, out)
        if (
            gamma is not None
            and gamma.is_constant
            and gamma.shape[-len(norm_shape) :] == norm_shape[-gamma.rank :]
            and gamma.size == int(np.prod(norm_shape))
        ):
            scale = np.asarray(gamma.const, np.float32).reshape(norm_shape)
            final = user.outputs[0]
            user = final.users[0] if len(final.users) == 1 and final not in graph.outputs else None
    if user is not None and user.op == "Add":
        beta = other_operand(user, final)
        if beta is not None and beta.is_constant and beta.size == int(np.prod(norm_shape)):
            bias = np.asarray(beta.const, np.float32).reshape(norm_shape)
            final = user.outputs[0]
    inputs = [x, graph.add_constant(f"{node.name}_scale", scale)]
    if bias is not None:
        inputs.append(graph.add_constant(f"{node.name}_bias", bias))
    replace_nodes(
        graph,
        parts["nodes"],
        "LayerNorm",
        inputs,
        node,
        {"axis": parts["axis"], "epsilon": parts["epsilon"]},
        result=final,
    )


FUSE_LAYERNORM = Rewrite("fuse-layernorm", _match, _check, _rewrite)
