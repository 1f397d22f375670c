"""DSP packing per DSP kind, LUT multipliers, shift-add layers and memory mapping."""

from __future__ import annotations

import pytest

from fpgaforge.units.cost import resource_model as rm


@pytest.mark.parametrize(
    ("kind", "wa", "wb", "pe", "simd", "dsp"),
    [
        # DSP48E2: two INT8 MACs sharing the activation (WP486): 8 PEs x 3 SIMD → ceil(8/2)*3 = 12
        ("DSP48E2", 8, 8, 8, 3, 12),
        # odd PE count: ceil(3/2)*4 = 8
        ("DSP48E2", 8, 8, 3, 4, 8),
        # 16x16 fits 27x18: one per product: 4*4 = 16
        ("DSP48E2", 16, 16, 4, 4, 16),
        # 32x32 on 27x18: ceil(31/26)*ceil(31/17) = 2*2 = 4 per product
        ("DSP48E2", 32, 32, 1, 1, 4),
        # 6-bit operands: still the INT8 packing (≤ 8): ceil(2/2)*1 = 1
        ("DSP48E2", 6, 8, 2, 1, 1),
        # DSP48E1 does not pack INT8 (25-bit A port): 8 products → 8 DSPs
        ("DSP48E1", 8, 8, 4, 2, 8),
        # DSP58 INT8 dot product along the reduction: pe * ceil(simd/3) = 2 * ceil(9/3) = 6
        ("DSP58", 8, 8, 2, 9, 6),
        # ECP5 MULT18: two 9x9 per MULT18: ceil(6/2) = 3
        ("MULT18", 8, 8, 2, 3, 3),
        # ECP5 MULT18 at 16 bits: one each
        ("MULT18", 16, 12, 2, 3, 6),
        # iCE40 MAC16: two 8x8 per block: ceil(4/2) = 2
        ("MAC16", 8, 8, 4, 1, 2),
        # iCE40 MAC16 with 24-bit operands: ceil(23/15)^2 = 4 each
        ("MAC16", 24, 24, 1, 1, 4),
    ],
)
def test_dsp_counts(kind: str, wa: int, wb: int, pe: int, simd: int, dsp: int) -> None:
    assert rm.mac_array(pe, simd, wa, wb, kind).dsp == dsp


def test_int4_packs_four_per_dsp48e2_unless_luts_are_cheaper() -> None:
    # int4 x int4 falls under lut_mult_max_bits (4): LUT multipliers, no DSP
    cost = rm.mac_array(8, 2, 4, 4, "DSP48E2")
    assert cost.dsp == 0 and cost.style == "lut"
    # 4.72.. LUT coefficient: 0.72 * 4 * 4 = 11.52 LUTs per product (boards.md: ~11-12)
    assert cost.lut == pytest.approx(16 * 11.52)
    # the packing rule itself: four 4-bit products per DSP48E2 (WP521)
    assert rm.pack_factor(4, 4, "DSP48E2") == (4, "activation")


def test_shift_add_uses_no_dsp() -> None:
    # K-hot (K=2) with a 20-bit accumulator: 2 adders x 20 LUTs per product, 6 products
    cost = rm.mac_array(3, 2, 8, 8, "DSP48E2", shift_add=True, k_hot=2, acc_bits=20)
    assert cost.dsp == 0 and cost.lut == 6 * 2 * 20


def test_no_dsps_on_the_board_means_lut_multipliers() -> None:
    cost = rm.mac_array(2, 2, 8, 8, "DSP48E2", dsp_available=False)
    assert cost.dsp == 0 and cost.lut == pytest.approx(4 * 0.72 * 64)


def test_memory_mapping() -> None:
    # 8 bits x 4096 deep: one BRAM36 as 4K x 9
    assert rm.bram_blocks(8, 4096, 36864) == 1
    # 72 x 512 is one BRAM36; 36 x 512 is one BRAM18 = 0.5
    assert rm.bram_blocks(72, 512, 36864) == 1
    assert rm.bram_blocks(36, 512, 36864) == 0.5
    # 144 wide x 100 deep: two BRAM36 side by side (72 each)
    assert rm.bram_blocks(144, 100, 36864) == 2
    # URAM: 72 x 4096; a 8-bit word packs 9 to a row: 36864 deep → 4096 rows → 1 block
    assert rm.uram_blocks(8, 36864) == 1
    assert rm.uram_blocks(144, 5000) == 4
    # small memories go to LUT RAM: 16 x 64 = 1024 bits → 16 LUTs (64 bits each)
    cost = rm.place_memory(16, 64, "auto", bits_per_block=36864)
    assert cost.kind == "lutram" and cost.lut == 16 and cost.bram == 0
    # a shallow, wide memory also goes to LUT RAM; a deep one to BRAM
    assert rm.place_memory(3072, 6, "auto", bits_per_block=36864).kind == "lutram"
    assert rm.place_memory(32, 2048, "auto", bits_per_block=36864).kind == "bram"


@pytest.mark.parametrize("module", ["ff_mvau", "ff_sparse_mvau"])
def test_single_fold_units_price_their_adders_apart(module: str) -> None:
    """A MAC unit with one SIMD fold (SIMD = MW: no accumulator, part of the adder chain in
    DSP cascades) counts its adder bits as `single_fold_adder_bits`, any other as
    `adder_bits`; the count is the same."""
    p = {
        "MH": 16, "PE": 4, "IN_W": 8, "WT_W": 8, "ACC_W": 24, "OUT_W": 8, "RQ_EN": 1,
        "MULT_W": 16, "SHIFT_W": 8, "N": 2, "M": 8,
    }  # fmt: skip
    one = rm.rtl_unit_terms(module, {**p, "MW": 72, "SIMD": 72}).lut
    many = rm.rtl_unit_terms(module, {**p, "MW": 72, "SIMD": 8}).lut
    per_simd = 72 / 8
    assert one["adder_bits"] == 0 and many["single_fold_adder_bits"] == 0
    assert one["single_fold_adder_bits"] == pytest.approx(many["adder_bits"] * per_simd)
    assert rm.coef("rtl", module, "single_fold_adder_bits") < rm.coef("rtl", module, "adder_bits")
