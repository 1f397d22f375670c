"""Resource terms of `ff_causal_conv` (its tap, shift and bias ROMs are memories, counted by
the cost model's `memory_estimate`)."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Per lane bit of the input the activation quantizer (`lane_bits`), per tap product bit
    the multiplier and adder tree (`tap_bits`), the beat counter (`control`); FFs: the
    pipeline registers of the codes, the state and the ROM words."""
    if module != "ff_causal_conv":
        raise ResourceModelError(
            f"Unit kit 'causal_conv' has no resource terms for RTL unit {module!r}."
        )
    lanes, k = int(p["LANES"]), int(p["K"])
    in_w, xq_w, q_w, out_w = (int(p[n]) for n in ("IN_W", "XQ_W", "Q_W", "OUT_W"))
    rom = k * q_w + int(p["SH_W"]) + int(p["B_W"])
    return UnitTerms(
        lut={
            "control": 1.0,
            "lane_bits": float(lanes * in_w),
            "tap_bits": float(lanes * k * (xq_w + q_w)),
        },
        lut_fixed=0.0,
        ff=float(
            lanes * (in_w + 2 * xq_w + 3 * (k - 1) * xq_w + 2 * rom + k * (xq_w + q_w) + out_w)
        ),
    )
