"""Cost models of the transformer units: the integer LayerNorm and the activation MatMul
(cycles by hand from the kernels' loop structure)."""

from __future__ import annotations

from fpgaforge.units.act_matmul import ActMatMul
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.layernorm import LayerNormUnit
from fpgaforge.units.layernorm.cost import PIPELINE_CYCLES, RSQRT_CYCLES

CTX = CostContext.of(view("zcu104"), 200)


def test_layernorm_cycles_two_passes_per_row() -> None:
    unit = LayerNormUnit(rows=16, row_len=64, bits=8, out_bits=34, pe=4)
    est = unit.estimate(CTX)
    assert est.ii == 16 * (2 * 64 // 4 + RSQRT_CYCLES) == 16 * 34
    assert est.cycles == est.ii + PIPELINE_CYCLES and est.fill == est.drain == 64 // 4 + 3
    assert est.macs == 3 * 16 * 64
    wider = LayerNormUnit(rows=16, row_len=64, bits=8, out_bits=34, pe=16).estimate(CTX)
    assert wider.ii < est.ii and wider.dsp + wider.lut > est.dsp + est.lut
    assert {o["pe"] for o in unit.options()} == {1, 2, 4, 8, 16, 32, 64}


def test_act_matmul_cycles_load_then_compute() -> None:
    unit = ActMatMul(
        mats=4, m=16, k=16, n=16, a_elements=1024, b_elements=1024, a_bits=8, b_bits=8,
        acc_bits=20, simd=4,
    )  # fmt: skip
    est = unit.estimate(CTX)
    assert unit.load_cycles() == 1024 // 4  # a and b load at once
    assert unit.compute_cycles() == 4 * 16 * 16 * (16 // 4)
    assert est.ii == 256 + 4096 and est.macs == 4 * 16 * 16 * 16
    assert est.fill == 256 + 16 // 4 and est.drain == 4096 + 1
    assert {o["simd"] for o in unit.options()} == {1, 2, 4, 8, 16}
