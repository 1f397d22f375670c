"""RTL of the stream glue: the planner builds each glue stage's instance where its stream
is wired (`ff_fork` when the producer publishes its output, `ff_dwc` when a consumer
connects to a stream of other lanes, `ff_fifo` on a join's early branch), from the glue
stage's record; the stage itself adds nothing when the driver reaches it."""

from __future__ import annotations

from typing import Any

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Planner


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """Nothing to build here: see the module docstring."""
