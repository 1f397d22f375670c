"""Resource terms of the SAT training array `ff_sat_array` (dense and N:M modes, runtime
split), with the generated top's (or a test's) parameters.

The structure, from the RTL:
- the ROWS x COLS processing elements: one WT_W x (ACT_W + 1) product each (a DSP, its
  accumulate add in the DSP's post-adder), a GM:1 select of the activation bus by the PE's
  stored index (`select_bits`: (GM - 1) 2:1 multiplexers per bit), and the bus register
  (the GM lanes and the bank bit);
- the feed: ROWS·GM activation reads per cycle from the double-buffered activation memory
  (written IN_N and SMAX·COLS codes a cycle, so it is registers, each read a
  2·ACT_DEPTH:1 multiplexer), of which ROWS + ROWS/GN·(GM - 1) are distinct, and the OUT_N
  output reads (`read_bits`: per bit and word of a distinct read; their address
  arithmetic is in `control`);
- the split: a zero partial sum selected at the SMAX - 1 segment boundaries
  (`boundary_bits`), SMAX·COLS tap delay lines of ROWS + COLS - 1 - ... stages as shift
  registers (`delay_luts`, one SRL per bit and 32 stages), and an SMAX:1 choice of taps per
  accumulator column;
- M-split (the segments streaming their own rows of M): each row's feed address offset by
  its segment's stride, and the write stage's per-segment row address and mask;
- the accumulate stage: SMAX·COLS accumulator adds with the bias / partial-sum choice
  (`acc_bits`), the M_TILE-row partial-sum memory (LUT RAM), and SMAX·COLS ReLU + requant
  lanes (`requant_lanes`, ff_requant signed and unsigned; one requant multiplier per lane);
- the weight registers (two banks, each PE reading the one its slot's bank bit names,
  `weight_reg_bits`) and the load burst that fills the free bank (its ROM row and array
  row counters, the tile addresses it starts from), the weight ROM with two read ports, the bias / requant ROMs with SMAX
  read ports, the command ROM, and the controller (`control`).
"""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2, ram_luts, rom_luts

MSPLIT_META_BITS = 1 + 16 + 16
"""Bits a feed slot's metadata carries for M-split (`ff_sat_array`'s META_W - META_B): the
flag, the rows each segment streams, the rows left from the chunk's start."""


def _geometry(p: dict[str, Any]) -> dict[str, int]:
    rows, cols, smax, gm = int(p["ROWS"]), int(p["COLS"]), int(p.get("SMAX", 1)), int(p["GM"])
    act_w, wt_w, acc_w = int(p["ACT_W"]), int(p["WT_W"]), int(p["ACC_W"])
    idx_w = clog2(gm) if gm > 1 else 1
    return {
        "rows": rows,
        "cols": cols,
        "smax": smax,
        "gm": gm,
        "act_w": act_w,
        "wt_w": wt_w,
        "acc_w": acc_w,
        "ew": wt_w + idx_w,
        "xw": act_w + 1,
        "wc": smax * cols,
        "rq_w": int(p.get("MULT_W", 16)) + int(p.get("SHIFT_W", 8)),
        "depth": 2 * int(p["ACT_DEPTH"]),
    }


def sat_array_dsps(p: dict[str, Any]) -> int:
    """DSPs of `ff_sat_array`: one per processing element (product and accumulate), one
    requant multiplier per accumulator column (SMAX·COLS; the signed and unsigned
    ff_requant share it), the two 16-bit address products (the feed's row base m·K and
    the write stage's m·N), and the feed's row-tile offset kt·(ROWS/S/GN) once ROWS/GN takes
    three bits (yosys maps that product to a DSP from there: 8 x 4 with GN 2, not 4 x 4)."""
    g = _geometry(p)
    offset = 1 if g["rows"] // max(1, int(p.get("GN", 1))) >= 4 else 0
    return g["rows"] * g["cols"] + g["wc"] + 2 + offset


def delay_stages(rows: int, cols: int, smax: int) -> list[int]:
    """Lengths of the tap delay lines (segment b = 1 .. SMAX, column c)."""
    rmin = rows // smax
    return [(rows - b * rmin) + (cols - 1 - c) for b in range(1, smax + 1) for c in range(cols)]


def sat_array_terms(p: dict[str, Any]) -> UnitTerms:
    """Structure of `ff_sat_array` (module docstring)."""
    g = _geometry(p)
    rows, cols, smax, gm, wc = g["rows"], g["cols"], g["smax"], g["gm"], g["wc"]
    acc_w = g["acc_w"]
    # distinct activation reads a cycle: lane 0 of every row (its own element in dense mode),
    # and lanes 1 .. GM-1 once per group of GN rows (the rows of a group carry the same GM
    # activations; dense mode zeroes those lanes after the read), plus the OUT_N output reads
    reads = rows + rows // max(1, int(p.get("GN", 1))) * (gm - 1) + int(p.get("OUT_N", 1))
    delays = delay_stages(rows, cols, smax)
    # shift registers: a line of 2+ stages is one SRL per bit and 32 stages
    delay_luts = sum(acc_w * -(-d // 32) for d in delays if d >= 2)
    wdepth, tdepth = int(p.get("WDEPTH", 1)), int(p.get("TDEPTH", 1))
    roms = (
        2 * rom_luts(cols * g["ew"], wdepth)
        + smax * rom_luts(cols * (acc_w + g["rq_w"]), tdepth)
        + rom_luts(118, int(p.get("LAYERS", 1)))
    )
    fixed = ram_luts(wc * acc_w, int(p.get("M_TILE", 1))) + roms + delay_luts
    # the weight load burst (busy, bank, ROM row, array row) and the tile addresses it starts
    # from (this pass's tile, its nt's first)
    load_burst = 2 + 16 + clog2(rows) + 2 * 16
    ff_bits = (
        2 * rows * cols * g["ew"]  # the two weight banks
        + rows * cols * (gm * g["xw"] + 1 + acc_w)  # bus (lanes, bank) and partial-sum registers
        + g["depth"] * g["act_w"]  # activation memory (registers)
        + wc * (2 * acc_w + g["rq_w"])  # write stage
        # M-split: the feed slot's flag, rows per segment and rows left (one meta stage; the
        # later ones shift registers), the write stage's segment step and segment mask
        + MSPLIT_META_BITS
        + clog2(g["depth"] // 2)
        + smax
        + 1
        + sum(acc_w for d in delays if d == 1)
        + load_burst
    )
    return UnitTerms(
        lut={
            "control": 1.0,
            "select_bits": float(rows * cols * g["xw"] * (gm - 1)),
            "read_bits": float(reads * g["act_w"] * g["depth"]),
            "boundary_bits": float((smax - 1) * cols * acc_w),
            "acc_bits": float(wc * acc_w * (1 + clog2(smax + 1))),
            "epilogue_lanes": float(wc),
            "weight_reg_bits": float(rows * cols * g["ew"]),
        },
        lut_fixed=fixed,
        ff=float(ff_bits),
    )


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with the generated top's parameters `p`."""
    if module == "ff_sat_array":
        return sat_array_terms(p)
    raise ResourceModelError(
        f"Unit kit 'tiled_gemm' has no resource terms for RTL unit {module!r}."
    )


FEED_TERMS = ("read_bits",)
"""LUT terms of the activation register file and its reads (a test-scale buffer: an engine
with a large activation buffer keeps it in block RAM and feeds the rows from there)."""


def sat_array_resources(p: dict[str, Any], *, feed: bool = True) -> dict[str, float]:
    """DSP, LUT and FF of `ff_sat_array` with parameters `p` (its weight, bias and requant
    ROMs in logic as the RTL writes them); `feed=False` leaves out the activation register
    file and its read multiplexers (FEED_TERMS), the part that does not scale to an engine."""
    from fpgaforge.units.cost.resource_model import coef

    t = sat_array_terms(p)
    lut = t.lut_fixed
    for term, count in t.lut.items():
        if count and (feed or term not in FEED_TERMS):
            lut += count * float(coef("rtl", "ff_sat_array", term))
    g = _geometry(p)
    ff = t.ff - (0 if feed else g["depth"] * g["act_w"])
    return {"dsp": float(sat_array_dsps(p)), "lut": lut, "ff": ff}
