"""Resource terms of `ff_pot_gemv` (parameters PE, SIMD, AG, XDEPTH and the optional WB,
AB, SA_W, ACC_W, OUT_W, DIM_W at their RTL defaults): registers counted from the RTL, LUT
terms per structure (coefficients `rtl.ff_pot_gemv.*` of the resource model)."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2, ram_luts

DEFAULTS = {"WB": 4, "AB": 4, "SA_W": 4, "ACC_W": 48, "OUT_W": 32, "DIM_W": 12}


def widths(p: dict[str, Any]) -> dict[str, int]:
    """The RTL's internal widths: chunk sum CW, beat sum BSW, group accumulator GW."""
    q = {**DEFAULTS, **{k: int(v) for k, v in p.items()}}
    nch = q["SIMD"] // q["AG"]
    cw = q["WB"] + q["AB"] + clog2(q["AG"]) + 1
    bsw = cw + (1 << q["SA_W"]) - 1 + clog2(nch) + 1
    return {**q, "NCH": nch, "CW": cw, "BSW": bsw, "GW": q["ACC_W"] - 9, "EXT_W": q["ACC_W"] + 16}


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of ff_pot_gemv with parameters `p`."""
    if module != "ff_pot_gemv":
        raise ResourceModelError(
            f"Unit kit 'pot_gemv' has no resource terms for RTL unit {module!r}."
        )
    w = widths(p)
    pe, simd, nch = w["PE"], w["SIMD"], w["NCH"]
    xw = simd * w["AB"] + nch * w["SA_W"]
    return UnitTerms(
        lut={
            "control": 1.0,
            "mult_bits": float(pe * simd * w["WB"] * w["AB"]),
            "chunk_bits": float(pe * simd * w["CW"]),
            "shift_bits": float(pe * nch * w["BSW"] * w["SA_W"]),
            "beat_bits": float(pe * nch * w["BSW"]),
            "acc_bits": float(pe * (w["GW"] + 2 * w["ACC_W"])),
            "scale_bits": float(pe * 2 * w["ACC_W"] * 3),
            "requant_bits": float(pe * w["EXT_W"]),
            "x_bits": float(xw),
            "counter_bits": float(3 * w["DIM_W"]),
        },
        lut_fixed=ram_luts(xw, w["XDEPTH"]),
        ff=float(
            pe * simd * w["WB"]
            + xw
            + 4 * pe * 6
            + pe * (w["BSW"] + w["GW"] + w["ACC_W"])
            + pe * w["OUT_W"]
            + 3 * w["DIM_W"]
            + 14
        ),
    )
