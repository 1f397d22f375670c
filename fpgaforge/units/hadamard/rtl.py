"""RTL of the hadamard kit: `ff_hadamard` is placed by the Mamba-2 decode-step top
(fpgaforge/rtl/mamba.py); a streaming design's stage of this kind is refused with one
sentence."""

from __future__ import annotations

from typing import Any

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Planner, decode_only


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """Refuse the stage in a streaming design."""
    raise decode_only(planner, stage, nodes, "ff_hadamard")
