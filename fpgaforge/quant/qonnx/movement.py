"""QONNX emitters of data movement: Reshape, Transpose, Concat, Split, Slice, Pad,
Gather and Resize."""

from __future__ import annotations

import numpy as np
from onnx import helper

from fpgaforge.ir.node import Node
from fpgaforge.quant.qonnx.export import Exporter, emitter


@emitter("Reshape")
def reshape(ex: Exporter, node: Node, ins, outs) -> None:
    target = list(node.attrs["shape"])
    if node.inputs[0].shape[:1] == node.outputs[0].shape[:1]:
        target[0] = 0  # keep the batch dimension free
    shape = ex.init(f"{node.name}__shape", np.asarray(target, np.int64))
    ex.nodes.append(helper.make_node("Reshape", [ins[0], shape], outs, name=node.name))


@emitter("Transpose")
def transpose(ex: Exporter, node: Node, ins, outs) -> None:
    ex.nodes.append(
        helper.make_node("Transpose", ins[:1], outs, name=node.name, perm=list(node.attrs["perm"]))
    )


@emitter("Concat")
def concat(ex: Exporter, node: Node, ins, outs) -> None:
    ex.nodes.append(
        helper.make_node("Concat", ins, outs, name=node.name, axis=int(node.attrs["axis"]))
    )


@emitter("Split")
def split(ex: Exporter, node: Node, ins, outs) -> None:
    sizes = ex.init(f"{node.name}__split", np.asarray(node.attrs["sizes"], np.int64))
    ex.nodes.append(
        helper.make_node(
            "Split", [ins[0], sizes], outs, name=node.name, axis=int(node.attrs["axis"])
        )
    )


@emitter("Slice")
def slice_(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    parts = [
        ex.init(f"{node.name}__{k}", np.asarray(a[k], np.int64))
        for k in ("starts", "ends", "axes", "steps")
    ]
    ex.nodes.append(helper.make_node("Slice", [ins[0], *parts], outs, name=node.name))


@emitter("Pad")
def pad(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    pads = ex.init(f"{node.name}__pads", np.asarray(a["pads"], np.int64))
    value = ex.init(f"{node.name}__value", np.float32(a["value"]))
    ex.nodes.append(
        helper.make_node("Pad", [ins[0], pads, value], outs, name=node.name, mode=a["mode"])
    )


@emitter("Gather")
def gather(ex: Exporter, node: Node, ins, outs) -> None:
    indices = ex.init(f"{node.name}__indices", np.asarray(node.attrs["indices"], np.int64))
    ex.nodes.append(
        helper.make_node(
            "Gather", [ins[0], indices], outs, name=node.name, axis=int(node.attrs["axis"])
        )
    )


@emitter("Resize")
def resize(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    sizes = ex.init(f"{node.name}__sizes", np.asarray(a["sizes"], np.int64))
    ex.nodes.append(
        helper.make_node(
            "Resize",
            [ins[0], "", "", sizes],
            outs,
            name=node.name,
            mode=a["mode"],
            coordinate_transformation_mode=a["coordinate_transformation_mode"],
            nearest_mode=a["nearest_mode"],
        )
    )
