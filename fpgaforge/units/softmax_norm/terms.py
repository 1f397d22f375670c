"""Resource terms of the row unit's RTL: `ff_softmax`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2, ram_luts


def softmax_terms(p: dict[str, Any]) -> UnitTerms:
    """`ff_softmax` with parameters `p`: the two row buffers in LUT RAM (one asynchronous
    read port: fixed LUTs, plus the read mux over the 64-word blocks, `ram_mux_bits`), the
    exp table as logic (`table_bits`: entries times bits, each LUT6 holding 64 of them), the
    order-key compare / distance / clamp on the input width (`key_bits`), the wide datapath
    (`wide_bits`: the sum, the divider's trial subtract and remainder, the dividend and its
    bit select, the quotient register, the output slice) and the counters and handshakes
    (`control`). FFs: every register of the RTL."""
    in_w, n, size = int(p["IN_W"]), int(p["N"]), int(p["SIZE"])
    exp_w, sum_w, frac, k, r_w = (int(p[key]) for key in ("EXP_W", "SUM_W", "F", "K", "R_W"))
    depth = 2 << clog2(n)
    return UnitTerms(
        lut={
            "control": 1.0,
            "key_bits": float(in_w),
            "table_bits": exp_w * size / 64.0,
            "wide_bits": float(sum_w + r_w + frac + k + 1),
            "ram_mux_bits": float(in_w * (-(-depth // 64) - 1)),
        },
        lut_fixed=ram_luts(in_w, depth),
        ff=float(
            2 * in_w  # row maxima
            + 2 * clog2(n)
            + 7  # counters, bank flags, full flags, state, started
            + 2 * sum_w  # sum, remainder
            + r_w
            + clog2(r_w + 1)
            + frac
            + 2  # output register and valid
        ),
    )


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_softmax":
        return softmax_terms(p)
    raise ResourceModelError(
        f"Unit kit 'softmax_norm' has no resource terms for RTL unit {module!r}."
    )
