"""Roofline view of a schedule (Zhang et al., FPGA'15): attainable = min(compute roof, intensity × bandwidth).

compute roof: 2 · MACs per cycle of the hardware · f_clk (ops/s); intensity: 2 · MACs per
off-chip byte. A layer is memory-bound when intensity × bandwidth < compute roof.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.dataflow.schedule import Schedule
from fpgaforge.units.cost.hardware import view


@dataclass(frozen=True)
class RooflinePoint:
    """One layer on the roofline: intensity (ops/byte), attained and attainable ops/s."""

    name: str
    intensity: float
    attained: float
    attainable: float
    bound: str


def roofline(sched: Schedule, macs_per_cycle: float | None = None) -> list[RooflinePoint]:
    """Roofline points of every layer with MACs. `macs_per_cycle` defaults to the tiled
    engine's rows · cols (tiled) or the layer's own MACs / interval (streaming)."""
    board = view(sched.board)
    f = sched.clock_mhz * 1e6
    bandwidth = board.bandwidth
    points = []
    for layer in sched.report.layers:
        e = layer.estimates
        if not e.macs or not e.ii:
            continue
        if macs_per_cycle is not None:
            peak = macs_per_cycle
        elif sched.engine:
            peak = sched.engine["rows"] * sched.engine["cols"]
        else:
            peak = e.macs / e.ii
        roof = 2 * peak * f
        intensity = 2 * e.macs / e.offchip_bytes if e.offchip_bytes else math.inf
        attainable = min(roof, intensity * bandwidth) if bandwidth else roof
        attained = 2 * e.macs / (e.ii / f)
        points.append(
            RooflinePoint(
                layer.name,
                intensity,
                attained,
                attainable,
                "memory" if attainable < roof else "compute",
            )
        )
    return points
