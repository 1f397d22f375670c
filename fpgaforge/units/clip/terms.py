"""Resource terms of `ff_clip`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Two comparators and a select per lane bit (`lane_bits`), the handshake (`control`),
    and the output register of every lane plus its valid flag."""
    if module != "ff_clip":
        raise ResourceModelError(f"Unit kit 'clip' has no resource terms for RTL unit {module!r}.")
    lanes, width = int(p["LANES"]), int(p["W"])
    return UnitTerms(
        lut={"control": 1.0, "lane_bits": float(lanes * width)},
        lut_fixed=0.0,
        ff=float(lanes * width + 1),
    )
