"""Chain `SSMStep`s that carry one state from step to step into one `SSMScan`.

An unrolled sequence (an ONNX `Scan`, or a step module run in a loop and exported
whole) fuses to one `SSMStep` per token; when each step's new state feeds only the
next step, all share A, D and dt_bias, and no step's x, dt, B or C depends on an
earlier step's output (a token's SSM input comes from the token, not from the SSM),
the chain becomes one `SSMScan` over the stacked per-token inputs; each token's y is
a `Gather` of the scan's output and the last state its final state.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.frontend.rules.splice import replace_value
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite
from fpgaforge.ir.value import Value

_SHARED = (2, 5, 6)
"""Inputs every step of a chain must share: A, D, dt_bias."""


def _same(a: Value | None, b: Value | None) -> bool:
    if a is None or b is None:
        return a is b
    if a is b:
        return True
    return a.const is not None and b.const is not None and np.array_equal(a.const, b.const)


def _next(graph: Graph, step: Node) -> Node | None:
    state = step.outputs[1]
    if state in graph.outputs or len(state.users) != 1:
        return None
    user = state.users[0]
    if user.op != "SSMStep" or user.inputs[7] is not state or user.attrs != step.attrs:
        return None
    if not all(_same(step.inputs[i], user.inputs[i]) for i in _SHARED):
        return None
    if user.inputs[3].shape != step.inputs[3].shape:  # type: ignore[union-attr]
        return None
    return user


def _chain(graph: Graph, node: Node) -> list[Node] | None:
    """The steps from `node`, the head of a chain (its state is no chained step's), on."""
    if node.op != "SSMStep":
        return None
    before = node.inputs[7].producer if node.inputs[7] is not None else None
    if before is not None and before.op == "SSMStep" and _next(graph, before) is node:
        return None
    chain = [node]
    while (step := _next(graph, chain[-1])) is not None:
        chain.append(step)
    return chain if len(chain) > 1 else None


def _feeds_back(chain: list[Node]) -> bool:
    """Whether a step's x, dt, B or C depends on an output of the chain."""
    produced = {id(v) for step in chain for v in step.outputs}
    stack = [v for step in chain for v in (step.inputs[0], step.inputs[1], *step.inputs[3:5])]
    seen: set[int] = set()
    while stack:
        value = stack.pop()
        if value is None or id(value) in seen:
            continue
        seen.add(id(value))
        if id(value) in produced:
            return True
        if value.producer is not None:
            stack.extend(value.producer.inputs)
    return False


def _check(graph: Graph, node: Node) -> str | None:
    chain = _chain(graph, node)
    assert chain is not None
    if _feeds_back(chain):
        return "a step's input depends on an earlier step's output (a feedback loop)"
    return None


def _rewrite(graph: Graph, node: Node) -> None:
    chain = _chain(graph, node)
    assert chain is not None
    name = f"{node.name}_scan"

    def stacked(index: int, hint: str) -> Value:
        parts = []
        for step in chain:
            v = step.inputs[index]
            assert v is not None
            shape = (v.shape[0], 1, *v.shape[1:])
            parts.append(
                graph.add_node("Reshape", [v], name=f"{name}_{hint}", attrs={"shape": shape})
                .outputs[0]
            )  # fmt: skip
        return graph.add_node("Concat", parts, name=f"{name}_{hint}", attrs={"axis": 1}).outputs[0]

    inputs = [
        stacked(0, "x"),
        stacked(1, "dt"),
        node.inputs[2],
        stacked(3, "B"),
        stacked(4, "C"),
        node.inputs[5],
        node.inputs[6],
        node.inputs[7],
    ]
    scan = graph.add_node("SSMScan", inputs, name=name, attrs=dict(node.attrs), source=node.source)
    y_seq, final = scan.outputs
    for t, step in enumerate(chain):
        y = graph.add_node(
            "Gather", [y_seq], name=f"{step.name}_y", attrs={"indices": np.array(t), "axis": 1}
        ).outputs[0]
        replace_value(graph, step.outputs[0], y)
    replace_value(graph, chain[-1].outputs[1], final)
    graph.remove_dead_nodes()
    graph.toposort()


FUSE_SSM_SCAN = Rewrite("fuse-ssm-scan", lambda g, n: _chain(g, n) is not None, _check, _rewrite)
