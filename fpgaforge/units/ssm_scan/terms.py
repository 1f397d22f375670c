"""Resource terms of the ssm_scan kit's RTL: `ff_ssm_step` (LUT terms, multipliers and
memories as yosys maps them) and `ff_pot_quant`. LUT coefficients `rtl.<module>.<term>`
are fitted with yosys in bench/mamba_units_resources.py."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.resource_model import UnitTerms, clog2


def widths(p: dict[str, Any]) -> dict[str, int]:
    """The exact datapath widths ff_ssm_step derives from its parameters (its localparams)."""
    bits, sb, e_w = int(p["BITS"]), int(p["SB"]), int(p["E_W"])
    dec_w = sb + e_w + max(0, 15 - int(p["DA_F"]))
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
        return UnitTerms(
            lut={
                "control": 1.0,
                # per lane: the dA·h and dt'·x·B rounding shifters and their sum, the state's
                # requantization (magnitude, shift, round, saturate)
                "lane_bits": float(lanes * (w["dec"] + w["clamp"] + 2 * w["sum"])),
                # per state group: h·C group sum, its alignment shift and the channel sum
                "group_bits": float(g["lane_groups"] * (w["group_sum"] + w["aligned"])),
                # per channel slot: accumulator, output rounding, D·x shifter
                "slot_bits": float(g["slots"] * (w["acc"] + 2 * int(p["Y_W"]))),
                # operand selects of B / C codes over the chunks of a channel's states
                "select_bits": float(lanes * 2 * (int(p["BITS"]) + 4) * (g["chunks"] - 1)),
                "input_bits": float(int(p["GROUP"]) * int(p["IN_W"])),
            },
            lut_fixed=0.0,
            ff=float(ff_count(p)),
        )
    if module == "ff_pot_quant":
        n, in_w = int(p["N"]), int(p["IN_W"])
        groups = n // int(p["GROUP"]) if int(p.get("GROUP", 8)) else 1
        return UnitTerms(
            lut={"code_bits": float(n * in_w), "group_bits": float(groups * in_w)},
            lut_fixed=0.0,
            ff=0.0,
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


__all__ = ["dsp_count", "ff_count", "memories", "terms", "widths"]
