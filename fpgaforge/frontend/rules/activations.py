"""Fuse activations that exports spell out in elementary ops.

- `x * sigmoid(x)` → SiLU, `x * hard_sigmoid(x)` (alpha 1/6, beta 1/2) → HardSwish;
- the erf form of GELU `0.5·x·(1 + erf(x/√2))` and its tanh form
  `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))` → GELU (approximate 'none' / 'tanh').
"""

from __future__ import annotations

import math

from fpgaforge.frontend.rules.patterns import is_scalar, other_operand, producer
from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite, single_user
from fpgaforge.ir.value import Value


# ---- x * f(x) -------------------------------------------------------------------------
def gated(func: str, result: str, params: dict | None = None) -> Rewrite:
    """The rule fusing `x * func(x)` (an `Activation` with attributes close to `params`,
    when given) into one `Activation` `result`; its name is `fuse-<result>`."""

    def gate(node: Node) -> tuple[Value, Node] | None:
        if node.op != "Mul":
            return None
        for value in node.inputs:
            act = producer(value, "Activation", func)
            if (
                act is not None
                and other_operand(node, value) is act.inputs[0]
                and act.inputs[0] is not value
            ):
                if params and any(
                    not math.isclose(act.attrs[k], v, rel_tol=1e-6) for k, v in params.items()
                ):
                    continue
                return act.inputs[0], act
        return None

    def match(graph: Graph, node: Node) -> bool:
        return gate(node) is not None

    def check(graph: Graph, node: Node) -> str | None:
        x, act = gate(node)  # type: ignore[misc]
        return None if single_user(graph, act) is node else f"the {func} output has other users"

    def rewrite(graph: Graph, node: Node) -> None:
        x, act = gate(node)  # type: ignore[misc]
        replace_nodes(graph, [node, act], "Activation", [x], node, {"func": result})

    return Rewrite(f"fuse-{result.replace('_', '-')}", match, check, rewrite)


FUSE_SILU = gated("sigmoid", "silu")
FUSE_HARD_SWISH = gated("hard_sigmoid", "hard_swish", {"alpha": 1.0 / 6.0, "beta": 0.5})


# ---- GELU in its erf and tanh forms ----------------------------------------------------
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def _scaled_by(value: Value | None, factor: float) -> tuple[Value, Node] | None:
    """Match `value = v · factor` (Mul either way round, or Div by 1/factor); (v, node)."""
    node = value.producer if value is not None else None
    if node is None:
        return None
    if node.op == "Mul":
        for operand in node.inputs:
            if is_scalar(operand, factor, rel_tol=1e-4):
                other = other_operand(node, operand)
                if other is not None and not other.is_constant:
                    return other, node
    if node.op == "Div" and is_scalar(node.inputs[1], 1.0 / factor, rel_tol=1e-4):
        return node.inputs[0], node
    return None


def _cube_of(value: Value | None) -> tuple[Value, list[Node]] | None:
    """Match `value = x³` as Pow(x, 3), x·(x·x) or (x·x)·x; returns (x, nodes)."""
    node = value.producer if value is not None else None
    if node is None:
        return None
    if node.op == "Pow" and is_scalar(node.inputs[1], 3.0):
        return node.inputs[0], [node]
    if node.op != "Mul":
        return None
    for operand in node.inputs:
        square = producer(operand, "Mul")
        x = other_operand(node, operand)
        if square is not None and x is not None and square.inputs[0] is x is square.inputs[1]:
            return x, [node, square]
    return None


def _erf_gelu_arg(inner: Node) -> tuple[Value, str, list[Node]] | None:
    """Match erf(x/√2) (or erf(x·(1/√2))) at `inner`; returns (x, 'none', nodes)."""
    if inner.op != "Activation" or inner.attrs.get("func") != "erf":
        return None
    scaled = _scaled_by(inner.inputs[0], 1.0 / math.sqrt(2.0))
    if scaled is None:
        return None
    x, scale_node = scaled
    return x, "none", [inner, scale_node]


def _tanh_gelu_arg(inner: Node) -> tuple[Value, str, list[Node]] | None:
    """Match tanh(√(2/π)·(x + 0.044715·x³)) at `inner`; returns (x, 'tanh', nodes)."""
    if inner.op != "Activation" or inner.attrs.get("func") != "tanh":
        return None
    scaled = _scaled_by(inner.inputs[0], _SQRT_2_OVER_PI)
    if scaled is None:
        return None
    poly, scale_node = scaled
    add = producer(poly, "Add")
    if add is None:
        return None
    for term in add.inputs:
        x = other_operand(add, term)
        cubic = _scaled_by(term, _GELU_CUBIC)
        if x is None or cubic is None:
            continue
        cube = _cube_of(cubic[0])
        if cube is not None and cube[0] is x:
            return x, "tanh", [inner, scale_node, add, cubic[1], *cube[1]]
    return None


def _mul_chain(node: Node) -> tuple[list[Value], list[Node]]:
    """The factors of `node` (a Mul), looking through one single-use Mul operand; and the Muls."""
    factors: list[Value] = []
    muls = [node]
    for value in node.inputs:
        inner = producer(value, "Mul")
        if inner is not None and len(value.users) == 1 and len(muls) == 1:
            muls.append(inner)
            factors.extend(v for v in inner.inputs if v is not None)
        elif value is not None:
            factors.append(value)
    return factors, muls


def _gelu_parts(node: Node) -> tuple[Value, str, list[Node]] | None:
    """Match 0.5·x·(1 + erf(x/√2)) or 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) ending
    at `node` (a Mul) in any multiplication order; returns (x, approximate, nodes)."""
    if node.op != "Mul":
        return None
    factors, muls = _mul_chain(node)
    half = [f for f in factors if is_scalar(f, 0.5)]
    adds = [f for f in factors if producer(f, "Add") is not None]
    if len(half) != 1 or not adds:
        return None
    for add_value in adds:
        add = add_value.producer
        one = [v for v in add.inputs if is_scalar(v, 1.0)]
        if len(one) != 1:
            continue
        inner = other_operand(add, one[0])
        if inner is None or inner.producer is None:
            continue
        found = _erf_gelu_arg(inner.producer) or _tanh_gelu_arg(inner.producer)
        if found is None:
            continue
        x, approximate, inner_nodes = found
        rest = [f for f in factors if f is not half[0] and f is not add_value]
        if len(rest) != 1 or rest[0] is not x:
            continue
        return x, approximate, [*muls, add, *inner_nodes]
    return None


def _gelu_match(graph: Graph, node: Node) -> bool:
    return _gelu_parts(node) is not None


def _gelu_check(graph: Graph, node: Node) -> str | None:
    x, approximate, parts = _gelu_parts(node)  # type: ignore[misc]
    inner = set(map(id, parts[1:]))
    for part in parts[1:]:
        for user in part.outputs[0].users:
            if id(user) not in inner and user is not node:
                return f"the intermediate {part.outputs[0].name!r} has other users"
        if part.outputs[0] in graph.outputs:
            return "an intermediate is a graph output"
    return None


def _gelu_rewrite(graph: Graph, node: Node) -> None:
    x, approximate, parts = _gelu_parts(node)  # type: ignore[misc]
    attrs = {"func": "gelu", "approximate": approximate}
    replace_nodes(graph, [node, *parts], "Activation", [x], node, attrs)


FUSE_GELU = Rewrite("fuse-gelu", _gelu_match, _gelu_check, _gelu_rewrite)
