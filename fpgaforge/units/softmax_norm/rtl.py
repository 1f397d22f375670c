"""RTL of the row unit: the table Softmax as `ff_softmax` (`rtl_softmax.py`); LayerNorm,
Reduce and LRN have no RTL unit yet (one clear error naming the stage)."""

from __future__ import annotations

from typing import Any

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Planner, no_unit, take_first
from fpgaforge.units.softmax_norm.rtl_softmax import softmax

BUILDERS = {"Softmax": softmax}
"""The RTL builder of each op the unit implements."""


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """The stage's one row op through its builder, or the refusal naming it."""
    take_first(planner, stage, nodes)
    builder = BUILDERS.get(nodes[0].op) if len(nodes) == 1 else None
    if builder is None:
        raise no_unit(planner, stage, nodes)
    builder(planner, stage, nodes[0])
    planner.publish(stage)
