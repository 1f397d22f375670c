"""Fuse the decode-step causal conv1d of Mamba exports into one `CausalConv1d` node.

window = concat(state [N,C,K-1], x [N,C,1]) on the last axis; y = sum_k window * w
(an Einsum `bck,ck->bc`, or a Mul by w [C,K] and a ReduceSum over the last axis),
plus a constant bias [C] when an Add of one follows; the new state is the window
without its first column (a Slice).
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.splice import replace_value
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite
from fpgaforge.ir.value import Value


def _weighted_sum(window: Value, user: Node) -> tuple[Value, np.ndarray] | None:
    n, c, k = window.shape
    if user.op == "Einsum" and len(user.inputs) == 2 and user.inputs[0] is window:
        terms, out = user.attrs["equation"].split("->")
        a, b = terms.split(",")
        w = user.inputs[1]
        if len(a) == 3 and out == a[:2] and b == a[1:] and w is not None and w.const is not None:
            return user.outputs[0], np.asarray(w.const, np.float32)
    if user.op == "Mul" and len(user.outputs[0].users) == 1:
        w = user.inputs[1] if user.inputs[0] is window else user.inputs[0]
        red = user.outputs[0].users[0]
        if (
            w is not None
            and w.const is not None
            and w.size == c * k
            and red.op == "Reduce"
            and red.attrs["kind"] == "sum"
            and not red.attrs["keepdims"]
            and tuple(a % 3 for a in red.attrs["axes"] or ()) == (2,)
        ):
            return red.outputs[0], np.asarray(w.const, np.float32).reshape(c, k)
    return None


def _match(graph: Graph, node: Node) -> dict | None:
    if node.op != "Concat" or len(node.inputs) != 2 or node.attrs["axis"] % 3 != 2:
        return None
    window = node.outputs[0]
    state, column = node.inputs
    if state is None or column is None or state.is_constant or window.rank != 3:
        return None
    n, c, k = window.shape
    if column.shape != (n, c, 1) or column.producer is None or column.producer.op != "Reshape":
        return None
    x = column.producer.inputs[0]
    if x is None or x.shape != (n, c):
        return None
    out_state, summed = None, None
    for user in window.users:
        if user.op == "Slice" and user.outputs[0].shape == (n, c, k - 1):
            starts, axes = user.attrs["starts"], user.attrs["axes"] or tuple(range(3))
            if [s for s, a in zip(starts, axes, strict=False) if a % 3 == 2] == [1]:
                out_state = user.outputs[0]
                continue
        found = _weighted_sum(window, user)
        if found is not None:
            summed = found
            continue
        return None
    if out_state is None or summed is None:
        return None
    y, weight = summed
    bias = None
    if len(y.users) == 1 and y.users[0].op == "Add" and y not in graph.outputs:
        add = y.users[0]
        other = add.inputs[1] if add.inputs[0] is y else add.inputs[0]
        if other is not None and other.const is not None and other.size == c:
            bias, y = np.asarray(other.const, np.float32).reshape(c), add.outputs[0]
    return {"x": x, "state": state, "weight": weight, "bias": bias, "y": y, "out": out_state}


def _rewrite(graph: Graph, node: Node) -> None:
    m = _match(graph, node)
    assert m is not None
    name = f"{node.name}_conv1d"
    inputs = [
        m["x"],
        graph.add_constant(f"{name}_weight", m["weight"]),
        None if m["bias"] is None else graph.add_constant(f"{name}_bias", m["bias"]),
        m["state"],
    ]
    fused = graph.add_node("CausalConv1d", inputs, name=name, source=node.source)
    replace_value(graph, m["out"], fused.outputs[1])
    replace_value(graph, m["y"], fused.outputs[0])
    graph.remove_dead_nodes()
    graph.toposort()


FUSE_CAUSAL_CONV = Rewrite(
    "fuse-causal-conv1d", lambda g, n: _match(g, n) is not None, lambda g, n: None, _rewrite
)
