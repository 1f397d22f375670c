"""Resource terms of the LayerNorm unit's RTL: `ff_layernorm`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2, ram_luts


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """`ff_layernorm` with parameters `p`: the two row buffers in LUT RAM (exact), the wide
    datapath per WIDE bit (`wide_bits`: the even-shift encoder, the two barrel shifters, the
    sums and the rounding add), gamma and beta as logic (`param_bits`, per 64 bits) and the
    control. FFs: every register of the RTL (each bank's S and Q, the row's S, V and r, the
    shift, counters, bank and state flags, the output register and valid)."""
    if module != "ff_layernorm":
        raise ResourceModelError(
            f"Unit kit 'layernorm' has no resource terms for RTL unit {module!r}."
        )
    n, in_w, wide = int(p["N"]), int(p["IN_W"]), int(p["WIDE"])
    params = (int(p["G_W"]) + int(p["B_W"])) * n / 64.0
    return UnitTerms(
        lut={"control": 1.0, "wide_bits": float(wide), "param_bits": params},
        lut_fixed=ram_luts(in_w, 2 << clog2(n)),
        ff=float(7 * wide + 2 * clog2(n) + int(p["OUT_W"]) + 8),
    )
