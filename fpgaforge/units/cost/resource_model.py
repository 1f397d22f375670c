"""The resource model: DSP packing, LUT multipliers, adders and memory mapping.

All coefficients live in `data/resource_model.yaml` (with their sources); this
module only turns them into counts. Set `FPGAFORGE_RESOURCE_MODEL` to use
another file.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fpgaforge.dataflow.errors import ResourceModelError

DEFAULT_PATH = Path(__file__).with_name("data") / "resource_model.yaml"
ENV = "FPGAFORGE_RESOURCE_MODEL"


@functools.cache
def _load(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResourceModelError(f"Resource model file '{path}' cannot be read: {exc}.") from exc
    if not isinstance(data, dict) or "dsp" not in data:
        raise ResourceModelError(f"Resource model file '{path}' has no 'dsp' section.")
    return data


def model() -> dict[str, Any]:
    """The parsed resource model (cached per path)."""
    return _load(os.environ.get(ENV, str(DEFAULT_PATH)))


def coef(*keys: str) -> Any:
    """One coefficient by path, e.g. `coef("lut", "mult_coef_lut6")`."""
    node: Any = model()
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise ResourceModelError(
                f"Resource model has no entry {'.'.join(keys)!r}; see data/resource_model.yaml."
            )
        node = node[key]
    return node


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
    from fpgaforge.units.cost.hardware import view

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


def _rtl(module: str, key: str) -> float:
    return float(coef("rtl", module, key))


def _swu_terms(p: dict[str, Any]) -> UnitTerms:
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


def rtl_unit_terms(module: str, p: dict[str, Any]) -> UnitTerms:
    """Structure of one `ff_*` unit with parameters `p` (the generated top's values).

    ff_mvau: optional `WEIGHT_BITS` / `ACT_BITS` (the types' widths, for the multiplier style;
    default WT_W / IN_W), `SHIFT_ADD` / `K_HOT` (K-hot weights: K adders per product),
    `NO_DSP` (a board without DSPs: LUT multipliers) and `LUT_INPUTS`; its weight ROM is not
    included (the templates place it with `place_memory`).
    """
    counter = _rtl("common", "integer_ff")
    if module == "ff_mvau":
        pe, simd = int(p["PE"]), int(p["SIMD"])
        nf, sf = int(p["MH"]) // pe, int(p["MW"]) // simd
        acc, out, in_w, wt_w = int(p["ACC_W"]), int(p["OUT_W"]), int(p["IN_W"]), int(p["WT_W"])
        rq_on = int(p.get("RQ_EN", 1)) != 0
        rq_w = (int(p.get("MULT_W", 16)) + int(p.get("SHIFT_W", 8))) if rq_on else 0
        if int(p.get("RQ_SHIFT_ONLY", 0)):
            rq_w = 0  # power-of-two scales: multiplier 1, one shift per tensor (constants)
        prod_w = in_w + wt_w
        counters = clog2(nf) + 2 * clog2(sf) + clog2(nf * sf)
        rom_bits = pe * (acc + rq_w) if nf > 1 else 0
        pairs = (pe // 2) * simd if int(p.get("DSP_PACK", 0)) and pe >= 2 else 0
        wb, ab = int(p.get("WEIGHT_BITS", wt_w)), int(p.get("ACT_BITS", in_w))
        fixed = ram_luts(simd * in_w, 2 << clog2(sf))  # input double buffer
        small = max(wb, ab) <= int(coef("lut", "lut_mult_max_bits"))
        mult_bits = 0.0
        if int(p.get("SHIFT_ADD", 0)):
            fixed += pe * simd * int(p.get("K_HOT", 2)) * adder(acc)
        elif int(p.get("LUT_INPUTS", 6)) < 6:
            fixed += pe * simd * lut_multiplier(wb, ab, int(p["LUT_INPUTS"]))
        elif small or int(p.get("NO_DSP", 0)):
            mult_bits = float(pe * simd * wb * ab)  # LUT multipliers
        return UnitTerms(
            lut={
                "control": 1.0,
                "mult_bits": mult_bits,
                "counter_bits": float(counters),
                "adder_bits": float(pe * simd * acc),
                "packed_bits": float(pairs * (wt_w + 1 + prod_w)),
                "requant_lanes": float(pe if rq_on else 0),
                "rom_luts": rom_luts(rom_bits, nf),
            },
            lut_fixed=fixed,
            ff=pe * (acc + out) + 1 + counters + 4,
            ff_terms={"table_reg_bits": float(rom_bits)},
        )
    if module == "ff_swu":
        return _swu_terms(p)
    if module == "ff_fifo":
        width, depth = int(p["W"]), int(p["DEPTH"])
        ab = clog2(depth)
        return UnitTerms(
            lut={"control": 1.0, "pointer_bits": float(3 * ab + 1)},
            lut_fixed=ram_luts(width, depth),
            ff=float(4 * ab + 1),  # read, write pointers, count; yosys adds a read-address copy
        )
    if module == "ff_pool":
        lanes, out_w = int(p["LANES"]), int(p["OUT_W"])
        words = int(p["W"]) // int(p["KW"]) * int(p["C"])
        if lanes == 1:
            fixed, ff_buffer, mux = ram_luts(out_w, words), 0.0, 0.0
        else:  # one partial result per lane and beat: registers, a words/lanes mux per lane
            fixed, ff_buffer = 0.0, float(words * out_w)
            mux = float(lanes * out_w * (words // lanes - 1))
        return UnitTerms(
            lut={"control": 1.0, "lane_bits": float(lanes * out_w), "mux_bits": mux},
            lut_fixed=fixed,
            ff=4 * counter + lanes * out_w + 1 + ff_buffer,
        )
    if module == "ff_dwc":
        ew, n_in, n_out = int(p["EW"]), int(p["IN_N"]), int(p["OUT_N"])
        if n_in == n_out:
            return UnitTerms({}, 0.0, 0.0)
        cap = n_in + n_out + (int(p.get("SPARE", 2)) * n_in if n_in > n_out else 0)
        return UnitTerms({"buffer_bits": float(cap * ew)}, 0.0, float(cap * ew + clog2(cap + 1)))
    if module == "ff_rqstage":
        lanes = int(p["LANES"])
        groups = int(p["C"]) // lanes
        rq_on = int(p.get("RQ_EN", 1)) != 0
        rq_w = (int(p.get("MULT_W", 16)) + int(p.get("SHIFT_W", 8))) if rq_on else 0
        return UnitTerms(
            lut={
                "control": 1.0,
                "requant_lanes": float(lanes if rq_on else 0),
                "rom_luts": rom_luts(lanes * rq_w, groups),
            },
            lut_fixed=0.0,
            ff=lanes * int(p["OUT_W"]) + 1 + counter,
        )
    if module == "ff_axil_regs":
        return UnitTerms({"control": 1.0}, 0.0, _rtl("ff_axil_regs", "ff"))
    raise ResourceModelError(f"The resource model has no structure for RTL unit {module!r}.")


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
    return lut + _rtl("top", "lut"), ff + _rtl("top", "ff")


def width_converter(
    bits: int, in_lanes: int, out_lanes: int, spare: int = 2
) -> tuple[float, float]:
    """(LUTs, FFs) of the `ff_dwc` the generator puts between stages whose lanes differ."""
    return rtl_unit("ff_dwc", {"EW": bits, "IN_N": in_lanes, "OUT_N": out_lanes, "SPARE": spare})
