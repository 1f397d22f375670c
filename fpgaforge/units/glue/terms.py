"""Resource terms of the stream glue: `ff_fifo`, `ff_dwc`, `ff_fork`."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
    clog2,
    ram_luts,
)


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_fifo":
        width, depth = int(p["W"]), int(p["DEPTH"])
        ab = clog2(depth)
        return UnitTerms(
            lut={"control": 1.0, "pointer_bits": float(3 * ab + 1)},
            lut_fixed=ram_luts(width, depth),
            ff=float(4 * ab + 1),  # read, write pointers, count; yosys adds a read-address copy
        )
    if module == "ff_dwc":
        ew, n_in, n_out = int(p["EW"]), int(p["IN_N"]), int(p["OUT_N"])
        if n_in == n_out:
            return UnitTerms({}, 0.0, 0.0)
        cap = n_in + n_out + (int(p.get("SPARE", 2)) * n_in if n_in > n_out else 0)
        return UnitTerms({"buffer_bits": float(cap * ew)}, 0.0, float(cap * ew + clog2(cap + 1)))
    if module == "ff_fork":
        # two 'taken' flags; the data is wires (the handshake logic is `control`)
        return UnitTerms(lut={"control": 1.0}, lut_fixed=0.0, ff=2.0)
    raise ResourceModelError(f"Unit kit 'glue' has no resource terms for RTL unit {module!r}.")
