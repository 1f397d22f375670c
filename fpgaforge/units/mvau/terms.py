"""Resource terms of `ff_mvau` (optional WEIGHT_BITS / ACT_BITS: the types' widths, for the
multiplier style, default WT_W / IN_W; SHIFT_ADD / K_HOT: K-hot weights, K adders per
product; NO_DSP: LUT multipliers; LUT_INPUTS). Its weight ROM is not included (the
templates place it with `place_memory`).

With the generated top's `contents` (BIAS_LIVE, RQ_LIVE, FOLDED_LANES: `rom.epilogue_contents`)
the bias / requant tables count their live bits only and a lane whose requant shift folds
(one constant, or a table of at most 8 words) is `folded_lanes` instead of `epilogue_lanes`;
without them every lane has a variable shift."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
    adder,
    adder_terms,
    clog2,
    coef,
    epilogue_lane_counts,
    inline_rom_bits,
    lut_multiplier,
    ram_luts,
    table_bits,
    table_luts,
)


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_mvau":
        pe, simd = int(p["PE"]), int(p["SIMD"])
        nf, sf = int(p["MH"]) // pe, int(p["MW"]) // simd
        acc, out, in_w, wt_w = int(p["ACC_W"]), int(p["OUT_W"]), int(p["IN_W"]), int(p["WT_W"])
        rq_on = int(p.get("RQ_EN", 1)) != 0
        rq_w = (int(p.get("MULT_W", 16)) + int(p.get("SHIFT_W", 8))) if rq_on else 0
        if int(p.get("RQ_SHIFT_ONLY", 0)):
            rq_w = 0  # power-of-two scales: multiplier 1, one shift per tensor (constants)
        prod_w = in_w + wt_w
        counters = clog2(nf) + 2 * clog2(sf) + clog2(nf * sf)
        rom_bits = pe * (acc + rq_w) if nf > 1 else 0
        tables = ("BIAS_LIVE", "RQ_LIVE") if rq_w else ("BIAS_LIVE",)
        pairs = (pe // 2) * simd if int(p.get("DSP_PACK", 0)) and pe >= 2 else 0
        wb, ab = int(p.get("WEIGHT_BITS", wt_w)), int(p.get("ACT_BITS", in_w))
        fixed = ram_luts(simd * in_w, 2 << clog2(sf))  # input double buffer
        small = max(wb, ab) <= int(coef("lut", "lut_mult_max_bits"))
        mult_bits = 0.0
        if int(p.get("SHIFT_ADD", 0)):
            fixed += pe * simd * int(p.get("K_HOT", 2)) * adder(acc)
        elif int(p.get("LUT_INPUTS", 6)) < 6:
            fixed += pe * simd * lut_multiplier(wb, ab, int(p["LUT_INPUTS"]))
        elif small or int(p.get("NO_DSP", 0)):
            mult_bits = float(pe * simd * wb * ab)  # LUT multipliers
        lanes, folded = epilogue_lane_counts(pe, p) if rq_on else (0.0, 0.0)
        return UnitTerms(
            lut={
                "control": 1.0,
                "mult_bits": mult_bits,
                "counter_bits": float(counters),
                **adder_terms(pe * simd * acc, sf),
                "packed_bits": float(pairs * (wt_w + 1 + prod_w)),
                # per output lane: ReLU, requant (ff_requant) and the output register's input
                "epilogue_lanes": lanes,
                "folded_lanes": folded,
                "rom_luts": table_luts(rom_bits, nf, p, *tables) if rom_bits else 0.0,
            },
            lut_fixed=fixed,
            ff=pe * (acc + out) + 1 + counters + 4,
            ff_terms={
                "table_reg_bits": table_bits(rom_bits, p, *tables) if rom_bits else 0.0,
                "weight_reg_bits": inline_rom_bits(pe * simd * wt_w, nf * sf, p),
            },
        )
    raise ResourceModelError(f"Unit kit 'mvau' has no resource terms for RTL unit {module!r}.")
