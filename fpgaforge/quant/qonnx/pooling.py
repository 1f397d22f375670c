"""QONNX emitters of pooling: Pool and GlobalPool."""

from __future__ import annotations

from onnx import helper

from fpgaforge.ir.node import Node
from fpgaforge.quant.qonnx.export import Exporter, emitter


@emitter("Pool")
def pool(ex: Exporter, node: Node, ins, outs) -> None:
    a = node.attrs
    kind = {"max": "MaxPool", "avg": "AveragePool", "lp": "LpPool"}[a["kind"]]
    extra = {"count_include_pad": int(a["count_include_pad"])} if kind == "AveragePool" else {}
    if kind == "MaxPool" and any(d != 1 for d in a["dilations"]):
        extra["dilations"] = list(a["dilations"])
    ex.nodes.append(
        helper.make_node(
            kind,
            ins[:1],
            outs,
            name=node.name,
            kernel_shape=list(a["kernel"]),
            strides=list(a["strides"]),
            pads=list(a["pads"]),
            ceil_mode=int(a["ceil_mode"]),
            **extra,
        )
    )


@emitter("GlobalPool")
def global_pool(ex: Exporter, node: Node, ins, outs) -> None:
    kind = {"max": "GlobalMaxPool", "avg": "GlobalAveragePool", "lp": "GlobalLpPool"}[
        node.attrs["kind"]
    ]
    ex.nodes.append(helper.make_node(kind, ins[:1], outs, name=node.name))
