"""Resource terms of `ff_sparse_mvau` (the structure of `ff_mvau` without DSP packing, with
an M:1 activation select per multiplier; LUT_INPUTS / NO_DSP as there). Its weight ROM
(values and indices) is not included (the templates place it with `place_memory`).

With the generated top's `contents` (BIAS_LIVE, RQ_LIVE, FOLDED_LANES: `rom.epilogue_contents`)
the bias / requant tables count their live bits only and a lane whose requant shift folds
(one constant, or a table of at most 8 words) is `folded_lanes` instead of `epilogue_lanes`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
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
    """Structure of `ff_sparse_mvau` with the generated top's parameters `p`."""
    if module != "ff_sparse_mvau":
        raise ResourceModelError(
            f"Unit kit 'sparse_gemm' has no resource terms for RTL unit {module!r}."
        )
    pe, simd, n, m = int(p["PE"]), int(p["SIMD"]), int(p["N"]), int(p["M"])
    nz = simd // m * n
    nf, sf = int(p["MH"]) // pe, int(p["MW"]) // simd
    acc, out, in_w, wt_w = int(p["ACC_W"]), int(p["OUT_W"]), int(p["IN_W"]), int(p["WT_W"])
    rq_on = int(p.get("RQ_EN", 1)) != 0
    rq_w = (int(p.get("MULT_W", 16)) + int(p.get("SHIFT_W", 8))) if rq_on else 0
    if int(p.get("RQ_SHIFT_ONLY", 0)):
        rq_w = 0
    counters = clog2(nf) + 2 * clog2(sf) + clog2(nf * sf)
    rom_bits = pe * (acc + rq_w) if nf > 1 else 0
    tables = ("BIAS_LIVE", "RQ_LIVE") if rq_w else ("BIAS_LIVE",)
    fixed = ram_luts(simd * in_w, 2 << clog2(sf))  # input double buffer
    small = max(wt_w, in_w) <= int(coef("lut", "lut_mult_max_bits"))
    mult_bits = 0.0
    if int(p.get("LUT_INPUTS", 6)) < 6:
        fixed += pe * nz * lut_multiplier(wt_w, in_w, int(p["LUT_INPUTS"]))
    elif small or int(p.get("NO_DSP", 0)):
        mult_bits = float(pe * nz * wt_w * in_w)
    lanes, folded = epilogue_lane_counts(pe, p) if rq_on else (0.0, 0.0)
    return UnitTerms(
        lut={
            "control": 1.0,
            "mult_bits": mult_bits,
            "counter_bits": float(counters),
            **adder_terms(pe * nz * acc, sf),
            # one M:1 select of IN_W bits per multiplier, counted in 2:1 multiplexers
            "select_bits": float(pe * nz * in_w * (m - 1)),
            # per output lane: ReLU, requant (ff_requant) and the output register's input
            "epilogue_lanes": lanes,
            "folded_lanes": folded,
            "rom_luts": table_luts(rom_bits, nf, p, *tables) if rom_bits else 0.0,
        },
        lut_fixed=fixed,
        ff=pe * (acc + out) + 1 + counters + 4,
        ff_terms={
            "table_reg_bits": table_bits(rom_bits, p, *tables) if rom_bits else 0.0,
            "weight_reg_bits": inline_rom_bits(pe * nz * (wt_w + clog2(m)), nf * sf, p),
        },
    )
