"""Fuse torch's decomposed local_response_norm back into one `LRN` node.

Only channel windows padded the way ONNX LRN pads them (odd sizes) fuse.
"""

from __future__ import annotations

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


def _parts(node: Node) -> dict | None:
    """Match torch's local_response_norm: x / (avg_c(x²)·alpha + k)^beta ending at a Div.

    The channel average is Reshape(x², (N, 1, C, H, W)) → [zero Pad on axis 2] →
    3-D average Pool with kernel (size, 1, 1) → Reshape back to x's shape.
    """
    if node.op != "Div":
        return None
    x, denom = node.inputs[0], node.inputs[1]
    power = producer(denom, "Pow")
    if x is None or x.rank != 4 or power is None or scalar(power.inputs[1]) is None:
        return None
    add = producer(power.inputs[0], "Add")
    if add is None:
        return None
    k_values = [v for v in add.inputs if scalar(v) is not None]
    if len(k_values) != 1:
        return None
    scaled = other_operand(add, k_values[0])
    mul = producer(scaled, "Mul")
    if mul is None:
        return None
    alpha_values = [v for v in mul.inputs if scalar(v) is not None]
    if len(alpha_values) != 1:
        return None
    back = producer(other_operand(mul, alpha_values[0]), "Reshape")
    pool = producer(back.inputs[0] if back else None, "Pool")
    if back is None or pool is None or pool.attrs["kind"] != "avg":
        return None
    pad = producer(pool.inputs[0], "Pad")
    front = producer((pad or pool).inputs[0], "Reshape")
    square = producer(front.inputs[0] if front else None, "Mul")
    if front is None or square is None or not (square.inputs[0] is x is square.inputs[1]):
        return None
    n, c, h, w = x.shape
    if tuple(front.attrs["shape"]) != (n, 1, c, h, w) or back.outputs[0].shape != x.shape:
        return None
    size = pool.attrs["kernel"][0]
    if tuple(pool.attrs["kernel"]) != (size, 1, 1) or tuple(pool.attrs["strides"] or (1,) * 3) != (
        1,
        1,
        1,
    ):
        return None
    return {
        "x": x,
        "size": int(size),
        "alpha": scalar(alpha_values[0]),
        "bias": scalar(k_values[0]),
        "beta": scalar(power.inputs[1]),
        "pad": pad,
        "pool": pool,
        "nodes": [node, power, add, mul, back, pool, *([pad] if pad else []), front, square],
    }


def _match(graph: Graph, node: Node) -> bool:
    return _parts(node) is not None


def _check(graph: Graph, node: Node) -> str | None:
    parts = _parts(node)
    assert parts is not None
    pool, pad, size = parts["pool"], parts["pad"], parts["size"]
    pool_pads = tuple(pool.attrs["pads"] or (0,) * 6)
    if any(pool_pads) and not pool.attrs["count_include_pad"]:
        return "the channel average leaves its padding out of the divisor"
    before, after = pool_pads[0], pool_pads[3]
    if any(pool_pads[i] for i in (1, 2, 4, 5)):
        return "the channel average pads the spatial axes"
    if pad is not None:
        if pad.attrs["mode"] != "constant" or pad.attrs["value"] != 0.0:
            return "the channel padding is not zeros"
        pads = tuple(pad.attrs["pads"])
        if any(p for i, p in enumerate(pads) if i not in (2, 7)):
            return "the Pad pads other axes than the channels"
        before, after = before + pads[2], after + pads[7]
    if (before, after) != ((size - 1) // 2, size - 1 - (size - 1) // 2):
        return f"the channel window pads ({before}, {after}) differ from ONNX LRN's for size {size}"
    return intermediates_private(graph, parts["nodes"])


def _rewrite(graph: Graph, node: Node) -> None:
    parts = _parts(node)
    assert parts is not None
    attrs = {
        "size": parts["size"],
        "alpha": parts["alpha"],
        "beta": parts["beta"],
        "bias": parts["bias"],
    }
    replace_nodes(graph, parts["nodes"], "LRN", [parts["x"]], node, attrs)


FUSE_LRN = Rewrite("fuse-lrn", _match, _check, _rewrite)
