"""Resource terms of the activation MatMul's RTL: `ff_act_matmul`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2, ram_luts


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """`ff_act_matmul` with parameters `p`: the two buffers of each operand in LUT RAM (exact), the base
    ROMs as logic (`rom_bits`), the accumulator (`acc_bits`) and the control. FFs: every
    register of the RTL (counters, offsets, accumulator, output register)."""
    if module != "ff_act_matmul":
        raise ResourceModelError(
            f"Unit kit 'act_matmul' has no resource terms for RTL unit {module!r}."
        )
    na, nb, out, k = (int(p[key]) for key in ("NA", "NB", "OUT", "K"))
    a_w, b_w, acc_w = int(p["A_W"]), int(p["B_W"]), int(p["ACC_W"])
    aw, bw = clog2(na), clog2(nb)
    inner = max(acc_w, a_w + b_w + 1)
    return UnitTerms(
        lut={
            "control": 1.0,
            "acc_bits": float(inner),
            "rom_bits": out * (aw + bw) / 64.0,
        },
        lut_fixed=ram_luts(a_w, 2 << aw) + ram_luts(b_w, 2 << bw),
        ff=float(inner + acc_w + 7 + aw + 1 + bw + 1 + aw + bw + clog2(out) + clog2(k)),
    )
