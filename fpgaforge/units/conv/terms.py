"""Resource terms of the sliding-window unit `ff_swu` (also used by the depthwise kit)."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
    clog2,
    ram_luts,
)


def swu_terms(p: dict[str, Any]) -> UnitTerms:
    """`ff_swu`: a ring of min(H, KH + SH) input rows in LUT RAM (one word of IN_N channels per
    input beat, columns and channel groups padded to powers of two), one asynchronous read port per word a beat reads (SIMD/IN_N in im2col order,
    SIMD in depthwise order), each port with its own tap/slot/address arithmetic, a zero-pad
    select per lane bit, and counters sized as the RTL sizes them."""
    ew, c, simd, in_n = int(p["EW"]), int(p["C"]), int(p["SIMD"]), int(p["IN_N"])
    h, w, kh, kw = int(p["H"]), int(p["W"]), int(p["KH"]), int(p["KW"])
    sh, sw = int(p.get("SH", 1)), int(p.get("SW", 1))
    pt, pl = int(p.get("PT", (kh - 1) // 2)), int(p.get("PL", (kw - 1) // 2))
    dw_pe, dw_m = int(p.get("DW_PE", 0)), int(p.get("DW_M", 1))
    rows = min(h, kh + sh)
    # address {slot, column, channel group} with power-of-two column and group fields
    cols = 1 << clog2(w) if w > 1 else 1
    groups = 1 << clog2(c // in_n) if c > in_n else 1
    words = rows * cols * groups
    ports = simd if dw_pe > 0 else simd // in_n
    sf = kh * kw * c * (dw_m if dw_pe > 0 else 1) // simd
    pos = clog2(2 * h + 2 * kh + 2 * sh + w + kw + sw + pt + pl + 2) + 1
    # wcg, wcol, sf, three ring slots, five positions, two 2-bit frame counters
    ff = clog2(c // in_n + 1) + clog2(w + 1) + clog2(sf + 1) + 3 * clog2(rows + 1) + 5 * pos + 4
    return UnitTerms(
        lut={"control": 1.0, "port": float(ports), "lane_bits": float(simd * ew)},
        lut_fixed=ports * ram_luts(in_n * ew, words),
        ff=float(ff),
    )


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_swu":
        return swu_terms(p)
    raise ResourceModelError(f"Unit kit 'conv' has no resource terms for RTL unit {module!r}.")
