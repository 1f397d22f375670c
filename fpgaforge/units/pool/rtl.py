"""RTL of the pool kit: non-overlapping max / average pooling (`ff_pool`), stand-alone or
fused behind a convolution."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
    no_unit,
    take_first,
    type_bits,
)


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A Pool or GlobalPool stage as ff_pool (`pe` lanes when they divide the channels)."""
    take_first(planner, stage, nodes)
    if nodes[0].op not in ("Pool", "GlobalPool") or len(nodes) != 1:
        raise no_unit(planner, stage, nodes)
    pool(planner, stage, nodes[0], nodes[0].op == "GlobalPool")
    planner.publish(stage)


def pool(planner: Planner, stage: Any, node: Node, is_global: bool, *, fused: bool = False) -> None:
    """ff_pool on the current stream (`fused`: behind a convolution, at its lanes)."""
    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    if s.chw is None:
        raise planner.fail(stage, "pooling needs a feature map")
    c, h, w = s.chw
    kind = node.attrs.get("kind", "max")
    if kind not in ("max", "avg"):
        raise planner.fail(stage, f"{kind} pooling")
    if is_global:
        kh, kw = h, w
    else:
        kh, kw = (int(v) for v in node.attrs["kernel"])
        strides = tuple(int(v) for v in (node.attrs.get("strides") or (kh, kw)))
        pads = tuple(int(v) for v in (node.attrs.get("pads") or (0, 0, 0, 0)))
        if strides != (kh, kw) or any(pads) or h % kh or w % kw:
            raise planner.fail(
                stage,
                "only non-overlapping unpadded pooling windows that tile the input have an RTL "
                "unit; build this model with --backend hls",
            )
    lanes = s.lanes if fused else int(stage.folding.get("pe", 1))
    if c % lanes:
        lanes = 1
    planner.connect(lanes, stage)
    out_w, out_signed = type_bits(node.outputs[0].dtype)
    inst = planner.names.claim(f"pool_{stage.name}" if fused else stage.name, prefix="u")
    planner.add(
        Instance(
            "ff_pool",
            inst,
            {
                "IN_W": s.width,
                "IN_SIGNED": int(s.signed),
                "OUT_W": out_w,
                "C": c,
                "W": w,
                "KH": kh,
                "KW": kw,
                "LANES": lanes,
                "MODE": 0 if kind == "max" else 1,
            },
            lanes,
            s.width,
            lanes,
            out_w,
            stage.name,
            comment(f"{kind} pool {stage.name}"),
            burst=c // lanes,
        )
    )
    oh, ow = h // kh, w // kw
    perm = np.arange(c * oh * ow).reshape(c, oh, ow).transpose(1, 2, 0).reshape(-1)
    planner.stream = Stream(lanes, out_w, out_signed, perm, (c, oh, ow), s.depth)
    planner.value = node.outputs[0].name
