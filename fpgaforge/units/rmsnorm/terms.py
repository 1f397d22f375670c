"""Resource terms of `ff_rmsnorm` and `ff_int_table` (their tables and the RMSNorm's vector
buffer are memories, counted by the cost models' `memory_estimate`)."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """ff_rmsnorm: per lane bit of g the gate product, square and scale product and their
    adders (`lane_bits`), the pass control, the group sum, division and rsqrt index
    (`control`), the same split for the registers (`ff_*`); ff_int_table: per lane bit of the
    input the rounding, offset and clamp of the index and the output select (`lane_bits`),
    and the pipeline registers of the index, the identity value and the output
    (`ff_lane_bits`)."""
    lanes = int(p["LANES"])
    if module == "ff_rmsnorm":
        g_w = int(p["G_W"])
        return UnitTerms(
            lut={"control": 1.0, "lane_bits": float(lanes * g_w)},
            lut_fixed=0.0,
            ff=0.0,
            ff_terms={"ff_control": 1.0, "ff_lane_bits": float(lanes * g_w)},
        )
    if module == "ff_int_table":
        in_w = int(p["IN_W"])
        return UnitTerms(
            lut={"control": 1.0, "lane_bits": float(lanes * in_w)},
            lut_fixed=0.0,
            ff=3.0,
            ff_terms={"ff_lane_bits": float(lanes * in_w)},
        )
    raise ResourceModelError(f"Unit kit 'rmsnorm' has no resource terms for RTL unit {module!r}.")
