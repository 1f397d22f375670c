"""Resource terms of `ff_pot_gemv` (parameters PE, SIMD, AG, XDEPTH and the optional WB,
AB, SA_W, ACC_W, OUT_W, DIM_W at their RTL defaults): registers counted from the RTL, LUT
terms per structure (coefficients `rtl.ff_pot_gemv.*` of the resource model)."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, ram_luts

DEFAULTS = {"WB": 4, "AB": 4, "SA_W": 4, "ACC_W": 48, "OUT_W": 32, "DIM_W": 12}


def vlog2(n: int) -> int:
    """Verilog's $clog2 (0 for 1)."""
    return max(int(n) - 1, 0).bit_length()


def widths(p: dict[str, Any]) -> dict[str, int]:
    """The RTL's internal widths: chunk sum CW, beat sum BSW, group accumulator GW."""
    q = {**DEFAULTS, **{k: int(v) for k, v in p.items()}}
    nch = q["SIMD"] // q["AG"]
    cw = q["WB"] + q["AB"] + vlog2(q["AG"]) + 1
    bsw = cw + (1 << q["SA_W"]) - 1 + vlog2(nch) + 1
    return {**q, "NCH": nch, "CW": cw, "BSW": bsw, "GW": q["ACC_W"] - 9, "EXT_W": q["ACC_W"] + 16}


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of ff_pot_gemv with parameters `p`: per lane (PE x SIMD) a 4 x 4 LUT
    multiplier and its share of the chunk adder; per chunk (PE x SIMD/AG) the barrel shift by
    the activation shift and the add into the beat sum; per output row (PE) the group and
    row accumulators, the two-shift scale and the requantizing shifter with saturation (at
    the default ACC_W 48, OUT_W 32); the activation LUT RAM; control and counters."""
    if module != "ff_pot_gemv":
        raise ResourceModelError(
            f"Unit kit 'pot_gemv' has no resource terms for RTL unit {module!r}."
        )
    w = widths(p)
    pe, simd, nch = w["PE"], w["SIMD"], w["NCH"]
    xw = simd * w["AB"] + nch * w["SA_W"]
    # sc1..sc3 (the shift pairs travelling with the beats) become SRL16E (LUTs in yosys)
    regs = pe * (simd * w["WB"] + 6 + w["BSW"] + w["GW"] + w["ACC_W"] + w["OUT_W"])
    return UnitTerms(
        lut={
            "control": 1.0,
            "lane_bits": float(pe * simd * w["WB"] * w["AB"]),
            "chunk_bits": float(pe * nch * w["BSW"]),
            "rows": float(pe),
        },
        lut_fixed=ram_luts(xw, w["XDEPTH"]),
        ff=float(regs + xw + 3 * w["DIM_W"] + 8),  # + valid bits and flags yosys keeps
    )
