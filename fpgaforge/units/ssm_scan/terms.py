"""Resource terms of the ssm_scan kit's RTL: `ff_ssm_step` (LUT terms, multipliers and
memories as yosys maps them) and `ff_pot_quant`. LUT coefficients `rtl.<module>.<term>`
are fitted with yosys in bench/mamba_units_resources.py."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.coefficients import coef
from fpgaforge.units.cost.resource_model import (
    UnitTerms,
    auto_kind,
    bram_blocks,
    clog2,
    ram_luts,
    rom_luts,
)

#: words past a power-of-two depth that yosys keeps in logic beside the block RAMs (the exp
#: table's 4097th entry)
SPILL_WORDS = 64


def widths(p: dict[str, Any]) -> dict[str, int]:
    """The exact datapath widths ff_ssm_step derives from its parameters (its localparams)."""
    bits, sb, e_w = int(p["BITS"]), int(p["SB"]), int(p["E_W"])
    dec_w = sb + e_w + 1 + max(0, 15 - int(p["DA_F"]))
    cl_w = max(dec_w, sb + 15) + 2
    yg_w = sb + bits + clog2(int(p["GROUP"])) + 1
    ys_w = yg_w + 30
    return {
        "dec": dec_w,
        "clamp": cl_w,
        "sum": cl_w + 1,
        "dbx_left": max(0, 45 - int(p["DBX_K"])),
        "group_sum": yg_w,
        "aligned": ys_w,
        "acc": ys_w + clog2(int(p["D_STATE"]) // int(p["GROUP"]) + 1) + 1,
    }


def geometry(p: dict[str, Any]) -> dict[str, int]:
    lanes, d_state, grp = int(p["LANES"]), int(p["D_STATE"]), int(p["GROUP"])
    per_head = int(p["HEADDIM"]) * d_state
    return {
        "lanes": lanes,
        "slots": max(lanes // d_state, 1),
        "chunks": max(d_state // lanes, 1),
        "lane_groups": lanes // grp,
        "depth": int(p["HEADS"]) * per_head // lanes,
    }


def memories(p: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(name, width, depth) of ff_ssm_step's block memories: the softplus and exp tables and
    the state (codes and one 4-bit shift per group of states per word)."""
    g = geometry(p)
    state_w = g["lanes"] * int(p["SB"]) + g["lane_groups"] * 4
    return [
        ("softplus", int(p["SP_W"]), int(p["SP_DEPTH"])),
        ("exp", int(p["E_W"]), int(p["E_DEPTH"])),
        ("state", state_w, g["depth"]),
    ]


def rom_blocks(width: int, depth: int, bits_per_block: int) -> tuple[float, float]:
    """(block RAMs, LUTs) of a read-only table as yosys maps it: the words up to the largest
    power of two in block RAM, the cheapest mix of aspect ratios across the width (BRAM36
    and its BRAM18 halves; 13 bits x 4K = 9 x 4K + 4 x 4K = 1.5), a few words past it in
    LUTs (one LUT6 per 64 words of a bit plus the select)."""
    if width <= 0 or depth <= 0:
        return 0.0, 0.0
    base = 1 << (depth.bit_length() - 1)
    spill = depth - base
    if spill > SPILL_WORDS:
        base, spill = depth, 0
    configs = coef("memory", "bram_configs")
    options: list[tuple[int, float]] = []
    for size, cost in ((bits_per_block, 1.0), (bits_per_block // 2, 0.5)):
        if size == bits_per_block // 2 and not (coef("memory", "half_blocks") and size == 18432):
            continue
        for w, d in configs.get(size) or configs.get(str(size)) or []:
            options.append((int(w), cost * -(-base // int(d))))
    if not options:
        return bram_blocks(width, depth, bits_per_block), 0.0
    best = [0.0] + [float("inf")] * width
    for b in range(1, width + 1):
        best[b] = min(best[max(0, b - w)] + c for w, c in options)
    lut = rom_luts(width, spill) + (width if spill else 0)
    return best[width], lut


def memory_cost(p: dict[str, Any], bits_per_block: int, batch: int = 1,
                state: bool = True) -> tuple[float, float]:  # fmt: skip
    """(block RAMs, LUTs) of ff_ssm_step's memories: the two tables (`rom_blocks`) and, with
    `state`, the state memory (`batch` sequences deep; LUT RAM when shallow or small)."""
    bram = lut = 0.0
    for name, width, depth in memories(p):
        if name == "state":
            if not state:
                continue
            depth *= batch
            if auto_kind(width, depth) == "lutram":
                lut += ram_luts(width, depth)
            else:
                bram += bram_blocks(width, depth, bits_per_block)
            continue
        b, extra = rom_blocks(width, depth, bits_per_block)
        bram, lut = bram + b, lut + extra
    return bram, lut


def dsp_count(p: dict[str, Any]) -> int:
    """Multipliers of ff_ssm_step, one DSP each: per lane dA·h, (dt'·x)·B and h·C; per channel
    slot dt'·x and D·x; one dt'·A for the exp index."""
    g = geometry(p)
    return 3 * g["lanes"] + 2 * g["slots"] + 1


def terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one of this kit's RTL units with parameters `p`."""
    if module == "ff_ssm_step":
        g, w = geometry(p), widths(p)
        lanes = g["lanes"]
        bits = {
            # per lane: the dA·h and dt'·x·B rounding shifters and their sum, the state's
            # requantization (magnitude, shift, round, saturate)
            "lanes": lanes * (w["dec"] + w["clamp"] + 2 * w["sum"]),
            # per state group: h·C group sum, its alignment shift and the channel sum
            "groups": g["lane_groups"] * (w["group_sum"] + w["aligned"]),
            # per channel slot: accumulator, output rounding, D·x shifter
            "slots": g["slots"] * (w["acc"] + 2 * int(p["Y_W"])),
            # B / C operand selects over the chunks of a channel's states
            "selects": lanes * 2 * (int(p["BITS"]) + 4) * (g["chunks"] - 1),
            # the input beat's quantizer
            "input": int(p["GROUP"]) * int(p["IN_W"]),
        }
        return UnitTerms(
            lut={"control": 1.0, "datapath_bits": float(sum(bits.values()))},
            lut_fixed=0.0,
            ff=float(ff_count(p)),
        )
    if module == "ff_pot_quant":
        # per code: magnitude, OR into the group's, round-shift and saturate; per group the
        # priority encoder (groups are a fixed share of the codes, so one term)
        return UnitTerms(
            lut={"code_bits": float(int(p["N"]) * int(p["IN_W"]))}, lut_fixed=0.0, ff=0.0
        )
    raise ResourceModelError(f"Unit kit 'ssm_scan' has no resource terms for RTL unit {module!r}.")


def ff_count(p: dict[str, Any]) -> int:
    """Registers of ff_ssm_step counted from the RTL: the pipeline (state read word, the sums,
    the new codes and shifts, the partial sums), the per-step operand registers (dt', dA, B,
    C, x codes and shifts) and the header's."""
    g, w = geometry(p), widths(p)
    bits, sb, lanes = int(p["BITS"]), int(p["SB"]), g["lanes"]
    heads, d_state, groups = int(p["HEADS"]), int(p["D_STATE"]), int(p["GROUPS_BC"])
    grp, headdim, y_w = int(p["GROUP"]), int(p["HEADDIM"]), int(p["Y_W"])
    state_w = lanes * sb + g["lane_groups"] * 4
    pipe = state_w + lanes * w["sum"] + lanes * sb + g["lane_groups"] * 4
    slots = g["slots"] * (2 * bits + 4 + 4 * (y_w + 1) + 2 * w["acc"] + y_w)
    operands = heads * (bits + 4 + int(p["E_W"])) + 2 * groups * d_state * (bits + 4 / grp)
    operands += headdim * (bits + 4 / grp)
    header = grp * int(p["IN_W"]) + grp * (bits + 17) + int(p["SP_W"]) + int(p["E_W"])
    return int(pipe + slots + operands + header + 10 * 16 + 16)


__all__ = ["dsp_count", "ff_count", "memories", "memory_cost", "rom_blocks", "terms", "widths"]
