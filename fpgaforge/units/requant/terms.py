"""Resource terms of `ff_rqstage`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
    rom_luts,
    rtl_coef,
)


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_rqstage":
        counter = rtl_coef("common", "integer_ff")
        lanes = int(p["LANES"])
        groups = int(p["C"]) // lanes
        rq_on = int(p.get("RQ_EN", 1)) != 0
        rq_w = (int(p.get("MULT_W", 16)) + int(p.get("SHIFT_W", 8))) if rq_on else 0
        return UnitTerms(
            lut={
                "control": 1.0,
                "requant_lanes": float(lanes if rq_on else 0),
                "rom_luts": rom_luts(lanes * rq_w, groups),
            },
            lut_fixed=0.0,
            ff=lanes * int(p["OUT_W"]) + 1 + counter,
        )
    raise ResourceModelError(f"Unit kit 'requant' has no resource terms for RTL unit {module!r}.")
