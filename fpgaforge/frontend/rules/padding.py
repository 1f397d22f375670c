"""Fold a zero `Pad` before a Conv, DepthwiseConv or average Pool into the layer's own pads.

Only spatial zero padding folds; a Pool then counts the padded zeros in its
average, as the separate Pad did.
"""

from __future__ import annotations

from fpgaforge.frontend.rules.families import PADDED
from fpgaforge.frontend.rules.patterns import producer
from fpgaforge.frontend.rules.splice import replace_nodes
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.passes import Rewrite, single_user


def _match(graph: Graph, node: Node) -> bool:
    """A padded layer whose input comes from a `Pad`."""
    return node.op in PADDED and producer(node.inputs[0], "Pad") is not None


def _check(graph: Graph, node: Node) -> str | None:
    pad = node.inputs[0].producer
    assert pad is not None
    if single_user(graph, pad) is not node:
        return "the Pad output has other users"
    if pad.attrs["mode"] != "constant" or pad.attrs["value"] != 0.0:
        return f"the Pad is {pad.attrs['mode']} with value {pad.attrs['value']}, not zeros"
    pads = tuple(pad.attrs["pads"])
    rank = len(pads) // 2
    if any(pads[i] for i in (0, 1, rank, rank + 1)):
        return "the Pad pads the batch or channel axis"
    if any(p < 0 for p in pads):
        return "the Pad crops (negative pads)"
    if node.op == "Pool":
        if node.attrs["kind"] != "avg":
            return f"zero padding is not neutral for a {node.attrs['kind']} pool"
        if any(node.attrs["pads"] or ()) and not node.attrs["count_include_pad"]:
            return "the pool has its own pads that it leaves out of the average"
        if node.attrs["ceil_mode"]:
            return "a ceil_mode pool may keep a window that starts in the Pad's right padding"
    return None


def _rewrite(graph: Graph, node: Node) -> None:
    pad = node.inputs[0].producer
    assert pad is not None
    pads = tuple(pad.attrs["pads"])
    rank = len(pads) // 2
    spatial = rank - 2
    own = tuple(node.attrs["pads"] or (0,) * (2 * spatial))
    merged = tuple(own[i] + pads[2 + i] for i in range(spatial)) + tuple(
        own[spatial + i] + pads[rank + 2 + i] for i in range(spatial)
    )
    attrs = {**node.attrs, "pads": merged}
    if node.op == "Pool":
        attrs["count_include_pad"] = True  # the padded zeros were part of the average
    replace_nodes(graph, [node, pad], node.op, [pad.inputs[0], *node.inputs[1:]], node, attrs)


FOLD_PAD = Rewrite("fold-pad", _match, _check, _rewrite)
