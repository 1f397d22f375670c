"""Resource terms of `ff_hadamard` (parameters N, K, LANES, KL, IN_W): registers counted
from the RTL, LUT terms per structure (coefficients `rtl.ff_hadamard.*` of the resource
model)."""

from __future__ import annotations

import math
from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2, rom_luts


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of ff_hadamard with parameters `p`."""
    if module != "ff_hadamard":
        raise ResourceModelError(
            f"Unit kit 'hadamard' has no resource terms for RTL unit {module!r}."
        )
    n, k_size, lanes, kl, in_w = (int(p[k]) for k in ("N", "K", "LANES", "KL", "IN_W"))
    pow2 = n // k_size
    stages = int(math.log2(pow2))
    width = in_w + stages + (math.ceil(math.log2(k_size)) if k_size > 1 else 0)
    cyc, blk, ocy = n // (2 * lanes), pow2 // (2 * lanes), pow2 // kl
    counters = clog2(cyc) + clog2(blk) + clog2(stages) + clog2(ocy) + clog2(k_size)
    return UnitTerms(
        lut={
            "control": 1.0,
            "butterfly_bits": float(2 * lanes * width),
            "x_bits": float(n * width),
            "ktree_bits": float(kl * k_size * width if k_size > 1 else 0),
        },
        lut_fixed=rom_luts(k_size, k_size) if k_size > 1 else 0.0,
        # X, S and D, the counters, phase and m_valid (yosys keeps no separate m_data
        # registers at the calibrated sizes: 2832, 5904 and 2421 FFs)
        ff=float(n * width + pow2 * width + counters + 3),
    )
