"""Float-graph rewrites that prepare a Mamba-2 decode step for rotation.

- `fold_norm_weights`: an RMSNorm weight w moves into the linear layers that read it
  (W' = W diag(w)), so the norm commutes with rotations.
- `rotate_residual`: with R = H_d / sqrt(d) (orthogonal), the residual stream is kept
  as R r: the embedding table becomes E R^T, every linear reading the stream through an
  RMSNorm W R^T, every linear writing it (through a residual Add) R W. Exact in float.
- `online_rotation`: a normalized Hadamard node in front of each linear that reads a
  gated RMSNorm (out_proj), with W' = W R^T; in integers the transform is a sum of
  codes (exact) and 1/sqrt(n) goes into the weights.
"""

from __future__ import annotations

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.numerics import hadamard


def _set_weight(graph: Graph, node: Node, index: int, data: np.ndarray) -> None:
    old = node.inputs[index]
    new = graph.add_constant(f"{node.name}_w", np.asarray(data, np.float32))
    node.inputs[index] = new
    if old is not None and node in old.users:
        old.users.remove(node)
    new.users.append(node)


def fold_norm_weights(graph: Graph) -> int:
    folded = 0
    for node in graph.nodes:
        weight = node.inputs[1] if node.op == "RMSNorm" and len(node.inputs) > 1 else None
        users = node.outputs[0].users
        if weight is None or weight.const is None or not users:
            continue
        if any(u.op != "Dense" or u.inputs[0] is not node.outputs[0] for u in users):
            continue
        w = np.asarray(weight.const, np.float64)
        for user in users:
            _set_weight(graph, user, 1, np.asarray(user.inputs[1].const, np.float64) * w[None, :])
        node.inputs[1] = None
        weight.users.remove(node)
        folded += 1
    return folded


NO_CONSTRUCTION = (
    "which has no Hadamard construction (fpgaforge builds sizes K·2^k with K in "
    + ", ".join(str(k) for k in hadamard.BASE_SIZES)
    + ")"
)


def rotation(n: int) -> np.ndarray:
    return hadamard.matrix(n).astype(np.float64) / np.sqrt(n)


def _stream(graph: Graph) -> tuple[Node, list[Value]] | None:
    embeds = [n for n in graph.nodes if n.op == "Embedding"]
    if len(embeds) != 1:
        return None
    values, todo = [], [embeds[0].outputs[0]]
    while todo:
        value = todo.pop()
        values.append(value)
        for user in value.users:
            if user.op == "Add":
                todo.append(user.outputs[0])
    return embeds[0], values


def rotate_residual(graph: Graph) -> str | None:
    """Rotate the residual stream; returns why it cannot (None when done)."""
    found = _stream(graph)
    if found is None:
        return "the graph has no single Embedding at the head of a residual stream"
    embed, values = found
    d = embed.outputs[0].shape[-1]
    if not hadamard.has_construction(d):
        return f"{embed.where()} writes a residual stream of width {d}, {NO_CONSTRUCTION}"
    readers, writers = [], []
    for value in values:
        for user in value.users:
            if user.op == "Add":
                other = user.inputs[1] if user.inputs[0] is value else user.inputs[0]
                if other in values:
                    continue
                if other is None or other.producer is None or other.producer.op != "Dense":
                    return f"{user.where()} adds a value that no linear layer writes"
                writers.append(other.producer)
            elif user.op == "RMSNorm" and (len(user.inputs) < 2 or user.inputs[1] is None):
                if len(user.inputs) > 2 and user.inputs[2] is not None:
                    return f"{user.where()} is gated"
                readers += [u for u in user.outputs[0].users if u.op == "Dense"]
                if any(u.op != "Dense" for u in user.outputs[0].users):
                    return f"{user.where()} feeds something else than linear layers"
            else:
                return f"{user.where()} reads the residual stream"
    r = rotation(d)
    _set_weight(graph, embed, 1, np.asarray(embed.inputs[1].const, np.float64) @ r.T)
    for node in readers:
        _set_weight(graph, node, 1, np.asarray(node.inputs[1].const, np.float64) @ r.T)
    for node in writers:
        _set_weight(graph, node, 1, r @ np.asarray(node.inputs[1].const, np.float64))
    return None


def online_rotation(graph: Graph) -> int:
    count = 0
    for node in list(graph.nodes):
        if node.op != "Dense":
            continue
        src = node.inputs[0].producer
        if src is None or src.op != "RMSNorm" or len(src.inputs) < 3 or src.inputs[2] is None:
            continue
        n = node.inputs[0].shape[-1]
        if not hadamard.has_construction(n):
            raise QuantizationError(
                f"Cannot rotate the input of {node.where()}: its width {n} {NO_CONSTRUCTION}; "
                f"quantize with rotation=off."
            )
        had = graph.add_node("Hadamard", [node.inputs[0]], name=f"{node.name}_hadamard")
        node.inputs[0].users.remove(node)
        node.inputs[0] = had.outputs[0]
        had.outputs[0].users.append(node)
        _set_weight(graph, node, 1, np.asarray(node.inputs[1].const, np.float64) @ rotation(n).T)
        count += 1
    graph.toposort()
    return count
