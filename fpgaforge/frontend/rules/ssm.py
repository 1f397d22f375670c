"""Fuse the selective-SSM update of a Mamba-2 decode step into one `SSMStep` node.

The anchor is the state update h' = h * dA + dBx (an Add of rank 4) with
dA = exp(dt' * A) broadcast over (P, N), dt' = softplus(dt + dt_bias), and dBx
either an Einsum (`bh,bn,bhp->bhpn`) or broadcast Muls of (dt' * x) and B. The output
is y = sum_n h' C (an Einsum `bhpn,bn->bhp` or a Mul and a ReduceSum over the last
axis), plus D * x when an Add of that form follows. Reshapes and Tile-Concats that
only broadcast B and C to the heads are looked through (groups > 1 only without Tile).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fpgaforge.frontend.rules.patterns import other_operand, producer
from fpgaforge.frontend.rules.splice import replace_value
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite
from fpgaforge.ir.value import Value


def _strip(value: Value | None) -> tuple[Value | None, list[Node]]:
    """Follow Reshapes and Concats of one repeated input (Tile, Expand and
    repeat_interleave import as those) back to their source; (source, the nodes passed,
    source first)."""
    chain: list[Node] = []
    while value is not None and value.producer is not None:
        node = value.producer
        if node.op == "Reshape":
            value = node.inputs[0]
        elif node.op == "Concat" and len({id(v) for v in node.inputs}) == 1:
            value = node.inputs[0]
        else:
            break
        chain.append(node)
    return value, chain[::-1]


def _grouped(value: Value, n: int, h: int, s: int) -> Value:
    """The source of B or C as SSMStep reads it, [N, G, S] with head h on group
    h // (H / G): the value before any repetition when the repetition is of that form
    (repeat_interleave; any form for one group), else `value` itself (G = H)."""
    source, chain = _strip(value)
    if source is None or source is value or source.size % (n * s):
        return value
    groups = source.size // (n * s)
    if h % groups or value.size not in (n * s, n * h * s):
        return value
    probe = np.arange(source.size).reshape(source.shape)
    for node in chain:
        if node.op == "Reshape":
            probe = probe.reshape(node.outputs[0].shape)
        else:
            probe = np.concatenate([probe] * len(node.inputs), axis=node.attrs["axis"])
    rows = value.size // (n * s)
    if probe.size != value.size or (rows == 1 and groups != 1):
        return value
    want = np.repeat(np.arange(source.size).reshape(n, groups, s), rows // groups, axis=1)
    return source if np.array_equal(probe.reshape(n, rows, s), want) else value


def _const_vector(value: Value | None, size: int) -> np.ndarray | None:
    if value is None or value.const is None or value.size != size:
        return None
    return np.asarray(value.const, dtype=np.float32).reshape(size)


@dataclass
class _Match:
    x: Value
    dt: Value
    a: np.ndarray
    dt_bias: np.ndarray | None
    b: Value
    c: Value
    d: np.ndarray | None
    state: Value
    new_state: Value
    y: Value


def _dt_parts(dt: Value, heads: int) -> tuple[Value, np.ndarray | None] | None:
    soft = producer(dt, "Activation", "softplus")
    if soft is None:
        return None
    raw = soft.inputs[0]
    add = producer(raw, "Add")
    if add is not None:
        for v in add.inputs:
            bias = _const_vector(v, heads)
            if bias is not None and other_operand(add, v) is not None:
                return other_operand(add, v), bias  # type: ignore[return-value]
    return raw, None  # type: ignore[return-value]


def _decay(value: Value, heads: int) -> tuple[Value, np.ndarray] | None:
    root, _ = _strip(value)
    exp = producer(root, "Activation", "exp")
    mul = producer(exp.inputs[0], "Mul") if exp is not None else None
    if mul is None:
        return None
    for v in mul.inputs:
        a = _const_vector(v, heads)
        if a is not None:
            return other_operand(mul, v), a  # type: ignore[return-value]
    return None


def _einsum_terms(node: Node) -> tuple[list[str], str]:
    lhs, out = node.attrs["equation"].split("->")
    return lhs.split(","), out


def _in_order(term: str, out: str) -> bool:
    """Whether an Einsum operand's letters appear in the output's order."""
    return term == "".join(ch for ch in out if ch in term)


def _dbx(value: Value, dt: Value) -> tuple[Value, Value] | None:
    """(x, B as the product reads it) of dBx = dt' * x (outer) B."""
    node = value.producer
    if node is None:
        return None
    if node.op == "Einsum" and len(node.inputs) == 3:
        terms, out = _einsum_terms(node)
        if len(out) != 4:
            return None
        found: dict[str, Value] = {}
        for term, v in zip(terms, node.inputs, strict=True):
            letters = set(term)
            if letters == {out[0], out[1]}:
                found["dt"] = v
            elif letters == {out[0], out[1], out[2]}:
                found["x"] = v
            elif out[3] in letters and out[2] not in letters and _in_order(term, out):
                found["b"] = v
        if len(found) != 3 or _strip(found["dt"])[0] is not dt:
            return None
        return found["x"], found["b"]
    if node.op == "Mul":
        for side in node.inputs:
            inner = producer(_strip(side)[0], "Mul")
            if inner is None:
                continue
            for v in inner.inputs:
                if _strip(v)[0] is dt and v is not None:
                    x = other_operand(inner, v)
                    b = other_operand(node, side)
                    if x is not None and b is not None and x.rank == 3 and b.rank == 4:
                        if b.shape[2] == 1:
                            return x, b
    return None


def _output(graph: Graph, new_state: Value) -> tuple[Value, Value] | None:
    """(y before D, C as the product reads it) of y = sum_n h' C."""
    for user in new_state.users:
        if user.op == "Einsum" and len(user.inputs) == 2:
            terms, out = _einsum_terms(user)
            idx = 0 if user.inputs[0] is new_state else 1
            c_term = terms[1 - idx]
            if len(out) == 3 and terms[idx][:3] == out and len(terms[idx]) == 4:
                if out[2] not in c_term and _in_order(c_term, out[:2] + terms[idx][3]):
                    return user.outputs[0], user.inputs[1 - idx]  # type: ignore[return-value]
        if user.op == "Mul" and len(user.outputs[0].users) == 1:
            reduce = user.outputs[0].users[0]
            axes = reduce.attrs.get("axes") if reduce.op == "Reduce" else None
            if (
                reduce.op == "Reduce"
                and reduce.attrs["kind"] == "sum"
                and not reduce.attrs["keepdims"]
                and axes is not None
                and tuple(a % 4 for a in axes) == (3,)
            ):
                c = other_operand(user, new_state)
                if c is not None and c.rank == 4 and c.shape[2] == 1:
                    return reduce.outputs[0], c
    return None


def _skip(graph: Graph, y: Value, x: Value, heads: int) -> tuple[Value, np.ndarray] | None:
    if len(y.users) != 1 or y in graph.outputs or y.users[0].op != "Add":
        return None
    add = y.users[0]
    mul = producer(other_operand(add, y), "Mul")
    if mul is None:
        return None
    for v in mul.inputs:
        d = _const_vector(v, heads)
        if d is not None and _strip(other_operand(mul, v))[0] is _strip(x)[0]:
            return add.outputs[0], d
    return None


def _match(graph: Graph, node: Node) -> _Match | None:
    if node.op != "Add" or node.outputs[0].rank != 4:
        return None
    new_state = node.outputs[0]
    heads = new_state.shape[1]
    for side in node.inputs:
        mul = producer(side, "Mul")
        if mul is None:
            continue
        for state in mul.inputs:
            if state is None or state.shape != new_state.shape or state.is_constant:
                continue
            decay = _decay(other_operand(mul, state), heads)  # type: ignore[arg-type]
            if decay is None:
                continue
            dt, a = decay
            parts = _dt_parts(dt, heads)
            dbx = _dbx(other_operand(node, side), dt)  # type: ignore[arg-type]
            out = _output(graph, new_state)
            if parts is None or dbx is None or out is None:
                continue
            x, b = dbx
            y, c = out
            n, h, _, s = new_state.shape
            b, c = _grouped(b, n, h, s), _grouped(c, n, h, s)
            d = None
            skip = _skip(graph, y, x, heads)
            if skip is not None:
                y, d = skip
            return _Match(x, parts[0], a, parts[1], b, c, d, state, new_state, y)
    return None


def _check(graph: Graph, node: Node) -> str | None:
    m = _match(graph, node)
    assert m is not None
    n, h, p, s = m.new_state.shape
    for name, v in (("B", m.b), ("C", m.c)):
        if v.size % (n * s) or h % (v.size // (n * s)):
            return f"{name} {v.name!r} of shape {v.shape} is not groups x {s} per sample"
    if m.x.size != n * h * p or m.dt.size != n * h:
        return "x or dt do not have one value per head channel"
    return None


def _rewrite(graph: Graph, node: Node) -> None:
    m = _match(graph, node)
    assert m is not None
    n, h, p, s = m.new_state.shape
    name = node.name.rsplit("/", 1)[0] + "/ssm" if "/" in node.name else f"{node.name}_ssm"

    def shaped(v: Value, shape: tuple[int, ...], hint: str) -> Value:
        if v.shape == shape:
            return v
        return graph.add_node(
            "Reshape", [v], name=f"{name}_{hint}", attrs={"shape": shape}
        ).outputs[0]

    g = m.b.size // (n * s)
    inputs = [
        shaped(m.x, (n, h, p), "x"),
        shaped(m.dt, (n, h), "dt"),
        graph.add_constant(f"{name}_A", m.a),
        shaped(m.b, (n, g, s), "B"),
        shaped(m.c, (n, m.c.size // (n * s), s), "C"),
        None if m.d is None else graph.add_constant(f"{name}_D", m.d),
        None if m.dt_bias is None else graph.add_constant(f"{name}_dt_bias", m.dt_bias),
        m.state,
    ]
    step = graph.add_node("SSMStep", inputs, name=name, source=node.source)
    y_new, state_new = step.outputs
    replace_value(graph, m.new_state, state_new)
    replace_value(graph, m.y, shaped(y_new, m.y.shape, "y") if m.y.shape != y_new.shape else y_new)
    graph.remove_dead_nodes()
    graph.toposort()


FUSE_SSM_STEP = Rewrite("fuse-ssm-step", lambda g, n: _match(g, n) is not None, _check, _rewrite)
