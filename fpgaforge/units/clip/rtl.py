"""RTL of the clip unit: one `ff_clip` with the node's bounds as codes."""

from __future__ import annotations

from typing import Any

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, take_first, type_bits


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """The stage's clip as `ff_clip`, `pe` lanes (the schedule's width converter before it
    when its input arrives in other lanes)."""
    take_first(planner, stage, nodes)
    node = nodes[0]
    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    width, signed = type_bits(node.outputs[0].dtype)
    if (width, signed) != (s.width, s.signed):
        raise planner.fail(stage, "the clip changes the element type")
    lo, hi = (int(v) for v in node.quant.clip_codes or (0, 0))
    lanes = int(stage.folding.get("pe", 1))
    planner.connect(lanes, stage)
    planner.add(
        Instance(
            "ff_clip",
            planner.names.claim(stage.name, prefix="u"),
            {"W": width, "SIGNED": int(signed), "LANES": lanes, "LO": lo, "HI": hi},
            lanes,
            width,
            lanes,
            width,
            stage.name,
            comment(f"clip {stage.name} to [{lo}, {hi}]"),
        )
    )
    planner.stream = Stream(lanes, width, signed, s.perm, s.chw, s.depth)
    planner.value = node.outputs[0].name
    planner.publish(stage)
