"""RTL of the pot_gemv kit: `ff_pot_gemv` is a library module with a cocotb bench and a cost model
(docs/mamba.md); the project generator does not place it in a generated top yet, so a
stage of this kind is refused with one sentence."""

from __future__ import annotations

from typing import Any

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Planner


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """Refuse the stage: ff_pot_gemv is not placed by the generator yet."""
    named = ", ".join(f"{n.op} node {n.name!r}" for n in nodes)
    raise planner.fail(
        stage,
        f"{named} maps to ff_pot_gemv, which generated RTL projects do not place yet "
        "(it is a library unit); build this model with --backend hls",
    )
