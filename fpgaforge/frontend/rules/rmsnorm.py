"""Fuse decomposed RMSNorm (and Softplus) of Mamba exports.

- RMSNorm: x * reciprocal(sqrt(mean(x^2) + eps)), x * (1 / sqrt(...)) or x / sqrt(...),
  over the last axis, optionally inside a Reshape that splits the last axis into
  groups and one that merges it back, then times a constant weight [C];
  `(y * silu(z))` in front becomes the gate of the gated form.
- Softplus: where(x > t, x, log(exp(x) + 1)) (or dynamo's where(x > t, x, Softplus(x))) for a
  threshold t >= 15.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.patterns import other_operand, producer, scalar
from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite
from fpgaforge.ir.value import Value


def _only_user(graph: Graph, value: Value) -> Node | None:
    if value in graph.outputs or len(value.users) != 1:
        return None
    return value.users[0]


def _inverse_rms(value: Value | None, x: Value) -> tuple[float, list[Node]] | None:
    """(eps, nodes) when `value` is 1/sqrt(mean(x^2) + eps) (or sqrt(...) itself when
    the caller divides), matched back from its end."""
    nodes: list[Node] = []
    node = value.producer if value is not None else None
    if node is None or x.rank == 0:
        return None
    if node.op == "Activation" and node.attrs["func"] == "reciprocal":
        nodes.append(node)
        node = node.inputs[0].producer
    elif node.op == "Div" and scalar(node.inputs[0]) == 1.0:
        nodes.append(node)
        node = node.inputs[1].producer
    if node is None or node.op != "Activation" or node.attrs["func"] != "sqrt":
        return None
    nodes.append(node)
    add = producer(node.inputs[0], "Add")
    if add is None:
        return None
    eps = [scalar(v) for v in add.inputs if scalar(v) is not None]
    means = [producer(v, "Reduce") for v in add.inputs if producer(v, "Reduce") is not None]
    if len(eps) != 1 or len(means) != 1:
        return None
    mean = means[0]
    axes = mean.attrs["axes"]
    if mean.attrs["kind"] != "mean" or not mean.attrs["keepdims"] or axes is None:
        return None
    if tuple(a % x.rank for a in axes) != (x.rank - 1,):
        return None
    square = mean.inputs[0].producer if mean.inputs[0] is not None else None
    if square is None:
        return None
    if square.op == "Pow" and scalar(square.inputs[1]) == 2.0 and square.inputs[0] is x:
        pass
    elif not (square.op == "Mul" and square.inputs[0] is x and square.inputs[1] is x):
        return None
    return float(eps[0]), [*nodes, add, mean, square]


def _core(node: Node) -> tuple[Value, float, list[Node]] | None:
    """The RMS normalization ending at `node`: (x, eps, nodes) for x * inv or x / sqrt."""
    if node.op == "Mul":
        for x in node.inputs:
            found = _inverse_rms(other_operand(node, x), x) if x is not None else None
            if found is not None:
                return x, found[0], [node, *found[1]]
    if node.op == "Div" and node.inputs[0] is not None:
        x = node.inputs[0]
        sqrt = producer(node.inputs[1], "Activation", "sqrt")
        found = _inverse_rms(node.inputs[1], x) if sqrt is not None else None
        if found is not None:
            return x, found[0], [node, *found[1]]
    return None


def _rms(graph: Graph, node: Node) -> dict | None:
    core = _core(node)
    if core is None:
        return None
    x, eps, nodes = core
    end = node.outputs[0]
    group = 0
    split = producer(x, "Reshape")
    if split is not None and x.rank >= 2:
        source = split.inputs[0]
        merge = _only_user(graph, end)
        if (
            source is not None
            and merge is not None
            and merge.op == "Reshape"
            and merge.outputs[0].shape == source.shape
            and x.shape[:-2] == source.shape[:-1]
            and x.shape[-2] * x.shape[-1] == source.shape[-1]
        ):
            group = x.shape[-1] if x.shape[-2] > 1 else 0
            nodes = [merge, *nodes, split]
            x, end = source, merge.outputs[0]
    weight = None
    user = _only_user(graph, end)
    if user is not None and user.op == "Mul":
        other = other_operand(user, end)
        if other is not None and other.const is not None and other.size == x.shape[-1]:
            weight = other
            nodes = [user, *nodes]
            end = user.outputs[0]
    gate = None
    mul = producer(x, "Mul")
    inner = {id(n) for n in nodes}
    if mul is not None and x not in graph.outputs and all(id(u) in inner for u in x.users):
        for y in mul.inputs:
            act = producer(other_operand(mul, y), "Activation", "silu") if y is not None else None
            if act is not None and act.outputs[0].users == [mul]:
                gate, x = act.inputs[0], y
                nodes = [*nodes, mul, act]
                break
    return {"x": x, "eps": eps, "group": group, "weight": weight, "gate": gate,
            "nodes": nodes, "end": end}  # fmt: skip


def _private(graph: Graph, parts: dict) -> str | None:
    inner = {id(n) for n in parts["nodes"]}
    for part in parts["nodes"]:
        out = part.outputs[0]
        if out is parts["end"]:
            continue
        if out in graph.outputs or any(id(u) not in inner for u in out.users):
            return f"the intermediate {out.name!r} has other users"
    return None


def _fuse_rms(graph: Graph, node: Node) -> None:
    parts = _rms(graph, node)
    assert parts is not None
    weight = parts["weight"]
    if weight is not None and weight.shape != (parts["x"].shape[-1],):
        data = np.asarray(weight.const).reshape(-1)
        weight = graph.add_constant(f"{weight.name}_flat", data)
    ordered = sorted(parts["nodes"], key=lambda n: n is not parts["end"].producer)
    replace_nodes(
        graph, ordered, "RMSNorm", [parts["x"], weight, parts["gate"]], parts["end"].producer,
        {"epsilon": parts["eps"], "group_size": parts["group"]}, result=parts["end"],
    )  # fmt: skip


def _is_rms_end(graph: Graph, node: Node) -> bool:
    """Match only at the innermost normalization (the Mul or Div right after the rms)."""
    return node.op in ("Mul", "Div") and _rms(graph, node) is not None


FUSE_RMSNORM = Rewrite("fuse-rmsnorm", _is_rms_end, lambda g, n: _private(g, _rms(g, n)), _fuse_rms)


def _softplus(node: Node) -> tuple[Value, list[Node]] | None:
    if node.op != "Where":
        return None
    cond, a, b = node.inputs
    compare = producer(cond, "Compare")
    if compare is None or compare.attrs["kind"] not in ("greater", "greater_equal"):
        return None
    x = compare.inputs[0]
    threshold = scalar(compare.inputs[1])
    if x is None or a is not x or threshold is None or threshold < 15:
        return None
    inner = producer(b, "Activation", "softplus")  # dynamo: where(x > t, x, Softplus(x))
    if inner is not None and inner.inputs[0] is x:
        return x, [node, compare, inner]
    log = producer(b, "Activation", "log")
    add = producer(log.inputs[0], "Add") if log is not None else None
    if add is None:
        return None
    exp_value = [v for v in add.inputs if scalar(v) is None]
    if len(exp_value) != 1 or scalar(other_operand(add, exp_value[0])) != 1.0:
        return None
    exp = producer(exp_value[0], "Activation", "exp")
    if exp is None or exp.inputs[0] is not x:
        return None
    return x, [node, compare, log, add, exp]


def _softplus_private(graph: Graph, node: Node) -> str | None:
    x, nodes = _softplus(node)  # type: ignore[misc]
    inner = {id(n) for n in nodes}
    for part in nodes[1:]:
        if part.outputs[0] in graph.outputs or any(
            id(u) not in inner for u in part.outputs[0].users
        ):
            return f"the intermediate {part.outputs[0].name!r} has other users"
    return None


def _fuse_softplus(graph: Graph, node: Node) -> None:
    x, nodes = _softplus(node)  # type: ignore[misc]
    replace_nodes(graph, nodes, "Activation", [x], node, {"func": "softplus"})


FUSE_SOFTPLUS = Rewrite(
    "fuse-softplus",
    lambda g, n: _softplus(n) is not None,
    _softplus_private,
    _fuse_softplus,
)
