"""Resource terms of `ff_pool`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
    ram_luts,
    rtl_coef,
)


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_pool":
        counter = rtl_coef("common", "integer_ff")
        lanes, out_w = int(p["LANES"]), int(p["OUT_W"])
        words = int(p["W"]) // int(p["KW"]) * int(p["C"])
        if lanes == 1:
            fixed, ff_buffer, mux = ram_luts(out_w, words), 0.0, 0.0
        else:  # one partial result per lane and beat: registers, a words/lanes mux per lane
            fixed, ff_buffer = 0.0, float(words * out_w)
            mux = float(lanes * out_w * (words // lanes - 1))
        return UnitTerms(
            lut={"control": 1.0, "lane_bits": float(lanes * out_w), "mux_bits": mux},
            lut_fixed=fixed,
            ff=4 * counter + lanes * out_w + 1 + ff_buffer,
        )
    raise ResourceModelError(f"Unit kit 'pool' has no resource terms for RTL unit {module!r}.")
