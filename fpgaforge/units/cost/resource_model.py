"""The resource model: DSP packing, LUT multipliers, adders and memory mapping.

All coefficients live in `data/resource_model.yaml` (with their sources, read by
`coefficients`); this module only turns them into counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fpgaforge.errors import ResourceModelError
from fpgaforge.units.cost.coefficients import coef
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.kit import kit_of_module

# ---- multipliers --------------------------------------------------------


@dataclass(frozen=True)
class MultiplierCost:
    """How an array of `pe × simd` products is built.

    dsp: DSP blocks; lut: LUTs for LUT multipliers, packing correction or shift-adds;
    style: "dsp", "dsp-packed", "lut" or "shift-add"; per_dsp: products per DSP (packing)
    or, when < 1, the reciprocal of DSPs per product (wide operands).
    """

    dsp: float
    lut: float
    style: str
    per_dsp: float


def dsps_per_product(wa: int, wb: int, kind: str) -> int:
    """DSPs for one wide product: operands split into port-sized signed slices
    (one sign bit per port is lost on all slices but one: ceil((w-1)/(port-1)))."""
    pa, pb = coef("dsp", kind, "ports")

    def parts(width: int, port: int) -> int:
        return max(1, math.ceil((max(width, 2) - 1) / (port - 1)))

    return min(parts(wa, pa) * parts(wb, pb), parts(wa, pb) * parts(wb, pa))


def pack_factor(wa: int, wb: int, kind: str) -> tuple[int, str]:
    """(products per DSP, shared operand) for small operands on `kind`; (1, 'none') otherwise."""
    for rule in coef("dsp", kind, "pack") or []:
        if wa <= rule["max_bits"] and wb <= rule["max_bits"]:
            return int(rule["per_dsp"]), str(rule["shared"])
    return 1, "none"


def lut_multiplier(wa: int, wb: int, lut_inputs: int = 6) -> float:
    """LUTs of one LUT-built multiplier: coef · wa · wb (4×4 on LUT6 ≈ 11.5 LUTs)."""
    key = "mult_coef_lut6" if lut_inputs >= 6 else "mult_coef_lut4"
    return float(coef("lut", key)) * max(wa, 1) * max(wb, 1)


def adder(width: int) -> float:
    """LUTs of one adder of `width` bits (carry chain)."""
    return float(coef("lut", "adder_per_bit")) * max(width, 1)


def mac_array(
    pe: int,
    simd: int,
    weight_bits: int,
    act_bits: int,
    dsp_kind: str,
    *,
    lut_inputs: int = 6,
    shift_add: bool = False,
    k_hot: int = 2,
    acc_bits: int = 32,
    dsp_available: bool = True,
) -> MultiplierCost:
    """Multipliers of a `pe × simd` MAC array (pe outputs, simd reduction lanes).

    - shift_add (K-hot weights): no DSP; each product is `k_hot` adders of the
      accumulator width (shifts are wiring).
    - both operands ≤ `lut.lut_mult_max_bits` (4), or no DSPs on the board: LUT multipliers.
    - otherwise DSPs: packed when both fit a packing rule (the shared operand decides
      along which dimension products pair up), several DSPs per product when an operand
      is wider than a port.
    """
    products = pe * simd
    if products == 0 or weight_bits == 0:
        return MultiplierCost(0, 0, "none", 0)
    if shift_add:
        return MultiplierCost(0, products * k_hot * adder(acc_bits), "shift-add", 0)
    small = max(weight_bits, act_bits) <= int(coef("lut", "lut_mult_max_bits"))
    if small or not dsp_available:
        return MultiplierCost(
            0, products * lut_multiplier(weight_bits, act_bits, lut_inputs), "lut", 0
        )
    per, shared = pack_factor(weight_bits, act_bits, dsp_kind)
    if per > 1:
        if shared == "activation":
            dsp = math.ceil(pe / per) * simd
        elif shared == "reduction":
            dsp = pe * math.ceil(simd / per)
        else:
            dsp = math.ceil(products / per)
        return MultiplierCost(
            dsp, dsp * float(coef("dsp", "lut_per_packed_dsp")), "dsp-packed", per
        )
    n = dsps_per_product(weight_bits, act_bits, dsp_kind)
    return MultiplierCost(products * n, 0, "dsp", 1.0 / n)


def weight_ram(board: Any, width: int, depth: int, kind: str) -> int:
    """ff_mvau's WEIGHT_RAM for a `width × depth` weight ROM placed in `kind` on `board`: 1 block
    RAM, 2 LUTs, 0 the tool's choice (URAM: UltraRAM has no initial contents)."""
    b = view(board)
    if kind == "auto":
        kind = auto_kind(width, depth)
    if kind == "lutram" and not b.lutram:
        kind = "bram"
    return {"bram": 1, "lutram": 2}.get(kind, 0)


def adder_tree(pe: int, simd: int, product_bits: int, *, in_dsp: bool) -> float:
    """LUTs of `pe` adder trees reducing `simd` products plus `pe` accumulators.

    Tree: simd−1 adders averaging product_bits + log2(simd)/2 bits. With DSP products
    the cascade's post-adders take most of the tree (`lut.dsp_tree_fraction` stays in fabric).
    """
    if simd <= 1:
        tree = 0.0
    else:
        width = product_bits + math.log2(simd) / 2
        tree = (simd - 1) * adder(round(width))
    if in_dsp:
        tree *= float(coef("lut", "dsp_tree_fraction"))
    accumulator = adder(product_bits + max(1, math.ceil(math.log2(max(simd, 2)))))
    return pe * (tree + accumulator)


# ---- memories -------------------------------------------------------------


@dataclass(frozen=True)
class MemoryCost:
    """One memory placed in a kind of RAM: blocks and LUTs it takes."""

    kind: str
    bram: float = 0.0
    uram: float = 0.0
    lut: float = 0.0
    lutram_bits: float = 0.0


def bram_blocks(width: int, depth: int, bits_per_block: int) -> float:
    """Native block RAMs for a `width × depth` memory: the best aspect ratio
    (Xilinx BRAM36 may use a BRAM18 half: counts of 0.5)."""
    if width <= 0 or depth <= 0:
        return 0.0
    configs = coef("memory", "bram_configs")
    table = configs.get(bits_per_block) or configs.get(str(bits_per_block))
    if table is None:  # unknown block size: assume widths up to bits/512 at depth 512
        return float(math.ceil(width * depth / bits_per_block))
    best = min(math.ceil(width / w) * math.ceil(depth / d) for w, d in table)
    if coef("memory", "half_blocks") and bits_per_block == 36864:
        half = configs.get(18432) or configs.get("18432")
        best18 = min(math.ceil(width / w) * math.ceil(depth / d) for w, d in half)
        return min(float(best), best18 / 2.0)
    return float(best)


def uram_blocks(width: int, depth: int) -> float:
    """URAM288 blocks (4K × 72, no aspect ratios) for a `width × depth` memory.

    Words narrower than 72 bits are packed several to a row (FINN-style memory packing,
    one word selected per read), so a narrow, deep memory does not waste 72−width bits per row.
    """
    if width <= 0 or depth <= 0:
        return 0.0
    spec = coef("memory", "uram")
    if width < spec["width"]:
        rows = math.ceil(depth / (spec["width"] // width))
        return float(math.ceil(rows / spec["depth"]))
    return float(math.ceil(width / spec["width"]) * math.ceil(depth / spec["depth"]))


def lutram_luts(width: int, depth: int, lut_inputs: int = 6) -> float:
    """LUTs used as RAM for a `width × depth` memory."""
    key = "lutram_bits_per_lut6" if lut_inputs >= 6 else "lutram_bits_per_lut4"
    per = int(coef("lut", key))
    return float(width * math.ceil(depth / per))


def place_memory(
    width: int,
    depth: int,
    kind: str,
    *,
    bits_per_block: int,
    lut_inputs: int = 6,
    ports: int = 1,
) -> MemoryCost:
    """Cost of a `width × depth` memory in `kind` ('lutram', 'bram', 'uram' or 'auto').

    'auto' is LUT RAM up to `lut.lutram_max_bits`, BRAM above. `ports` > 2 replicates
    the memory (block RAMs have two ports).
    """
    if width <= 0 or depth <= 0:
        return MemoryCost("none")
    copies = max(1, math.ceil(ports / 2))
    if kind == "auto":
        kind = auto_kind(width, depth)
    if kind == "lutram":
        return MemoryCost(
            "lutram",
            lut=copies * lutram_luts(width, depth, lut_inputs),
            lutram_bits=copies * width * depth,
        )
    if kind == "uram":
        return MemoryCost("uram", uram=copies * uram_blocks(width, depth))
    return MemoryCost("bram", bram=copies * bram_blocks(width, depth, bits_per_block))


def auto_kind(width: int, depth: int) -> str:
    """'lutram' for small or shallow memories (`lut.lutram_max_bits`, `lut.lutram_max_depth`), else 'bram'."""
    small = width * depth <= int(coef("lut", "lutram_max_bits"))
    shallow = depth <= int(coef("lut", "lutram_max_depth"))
    return "lutram" if small or shallow else "bram"


def uram_efficiency(width: int, depth: int) -> float:
    """Fraction of its URAM blocks' bits a memory fills (0..1)."""
    blocks = uram_blocks(width, depth)
    spec = coef("memory", "uram")
    return min(1.0, width * depth / (blocks * spec["width"] * spec["depth"])) if blocks else 0.0


# ---- RTL library units (fpgaforge/rtl/verilog) ------------------------------------------------
#
# The streaming templates cost the units the RTL generator instantiates for them. Registers
# are counted from the RTL (`ff`); LUTs are structural terms (`lut`: counts such as adder
# bits or requant lanes, each times a coefficient `rtl.<module>.<term>` fitted against yosys)
# plus memories whose LUT count follows from their shape (`lut_fixed`).


@dataclass(frozen=True)
class UnitTerms:
    """One RTL unit's structure: LUT terms (coefficient name → count), LUTs that need no
    coefficient (LUT RAM), flip-flops counted from the RTL and FF terms (coefficient → count)."""

    lut: dict[str, float]
    lut_fixed: float
    ff: float
    ff_terms: dict[str, float] = field(default_factory=dict)


def clog2(n: int) -> int:
    """Counter width the RTL uses for `n` states: `n > 1 ? $clog2(n) : 1`."""
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


def ram_luts(width: int, depth: int, read_ports: int = 1) -> float:
    """LUTs of a written LUT RAM (one write port, `read_ports` asynchronous read ports).

    SLICEM primitives (UG574): up to 32 words a RAM32M16 (8 LUTs, 2 bits per read port each),
    deeper ones RAM64M8 (8 LUTs, 1 bit per read port each) per 64 words; 7 of the 8 LUTs
    read, the eighth holds the write port.
    """
    if width <= 0 or depth <= 0:
        return 0.0
    bits = width * max(read_ports, 1)
    if depth <= 32:
        return 8.0 * math.ceil(bits / 14)
    return 8.0 * math.ceil(bits / 7) * math.ceil(depth / 64)


def rom_luts(width: int, depth: int) -> float:
    """LUT6s of a small read-only table built from logic: one LUT6 holds 64 words of a bit."""
    if width <= 0 or depth <= 1:
        return 0.0
    return float(width * math.ceil(depth / 64))


def table_luts(width: int, depth: int, p: dict[str, Any], *keys: str) -> float:
    """LUT6s of a unit's per-channel tables (`width` bits, `depth` words, read from logic):
    with the contents in `p` (the generated top's `contents`: live bits per table, `keys`)
    one LUT6 per 64 words of each live bit (`rom.live_bits`: constant bits, copies of an
    address bit and repeated columns cost nothing), else every bit (`rom_luts`)."""
    return rom_luts(int(table_bits(width, p, *keys)), depth)


def table_bits(width: int, p: dict[str, Any], *keys: str) -> float:
    """Bits of a unit's tables or ROM that cost logic or a register: with the contents in
    `p` (the generated top's live bits per table, `keys`) their sum (a constant bit or a
    copy of an address bit costs neither), else every bit (`width`)."""
    if all(k in p for k in keys):
        return float(sum(int(p[k]) for k in keys))
    return float(width)


def inline_rom_bits(width: int, depth: int, p: dict[str, Any]) -> float:
    """Bits of a MAC unit's weight ROM that synthesis registers on the ROM's data side: a
    logic ROM of 2-32 words left in the unit (`WEIGHT_RAM` 2, `ff_weight_rom`'s inline case)
    has its address register moved behind it, one FF per live bit (`WEIGHT_LIVE` when the
    contents give it, else every bit); none for any other placement."""
    if int(p.get("WEIGHT_RAM", 0)) != 2 or not 1 < depth <= 32:
        return 0.0
    return table_bits(width, p, "WEIGHT_LIVE")


def epilogue_lane_counts(lanes: int, p: dict[str, Any]) -> tuple[float, float]:
    """(lanes with a variable requant shift, lanes whose shift folds) of a MAC unit's
    epilogue: with the contents in `p` (`FOLDED_LANES`, `rom.epilogue_contents`) a lane whose
    shift is one constant or comes from a short table is priced apart; without them every
    lane has a variable shift."""
    folded = min(lanes, int(p.get("FOLDED_LANES", 0)))
    return float(lanes - folded), float(folded)


def adder_terms(bits: float, sf: int) -> dict[str, float]:
    """A MAC unit's adder chain of `bits` accumulator bits: `adder_bits` when it folds the
    reduction over SF > 1 beats; a unit that reduces a whole row in one beat (SF 1) has no
    accumulator and yosys puts part of its chain in DSP cascades, so its adds are
    `single_fold_adder_bits`, priced apart."""
    return {
        "adder_bits": float(bits) if sf > 1 else 0.0,
        "single_fold_adder_bits": float(bits) if sf == 1 else 0.0,
    }


def rtl_coef(module: str, key: str) -> float:
    """The coefficient `rtl.<module>.<key>` of the resource model."""
    return float(coef("rtl", module, key))


def rtl_unit_terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one `ff_*` unit with parameters `p` (the generated top's values): the
    `terms(module, p)` of the unit kit that owns the module (`units/<kit>/terms.py`), or the
    top's AXI4-Lite control registers."""
    if module == "ff_axil_regs":
        return UnitTerms({"control": 1.0}, 0.0, rtl_coef("ff_axil_regs", "ff"))
    try:
        kit = kit_of_module(module)
    except KeyError:
        raise ResourceModelError(
            f"The resource model has no structure for RTL unit {module!r}."
        ) from None
    terms = kit.part("terms")
    if terms is None:
        raise ResourceModelError(
            f"Unit kit {kit.name!r} owns RTL unit {module!r} but has no terms.py."
        )
    return terms.terms(module, p)


def lut_coef_key(module: str, term: str) -> str:
    """The coefficient (a dotted path in the resource model) a unit's LUT or FF term uses:
    `rtl.requant_lanes` is shared by ff_mvau and ff_rqstage (both instantiate ff_requant)."""
    if term == "requant_lanes":
        return "rtl.requant_lanes"
    return f"rtl.{module}.{term}"


def rtl_unit(module: str, p: dict[str, Any]) -> tuple[float, float]:
    """(LUTs, FFs) of one RTL unit: the LUT terms times their coefficients plus fixed LUTs."""
    t = rtl_unit_terms(module, p)
    lut, ff = t.lut_fixed, t.ff
    for term, count in t.lut.items():
        if count:
            lut += count * float(coef(*lut_coef_key(module, term).split(".")))
    for term, count in t.ff_terms.items():
        if count:
            ff += count * float(coef(*lut_coef_key(module, term).split(".")))
    return lut, ff


def control_interface() -> tuple[float, float]:
    """(LUTs, FFs) of a generated RTL top outside its stages: the AXI4-Lite control/status
    registers (`ff_axil_regs`) and the top's output-beat counter."""
    lut, ff = rtl_unit("ff_axil_regs", {})
    return lut + rtl_coef("top", "lut"), ff + rtl_coef("top", "ff")
