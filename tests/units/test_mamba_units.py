"""Cost models of the Mamba-2 decode units on hand-checked cases."""

from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.hadamard import MixedHadamard
from fpgaforge.units.pot_gemv import PotGemv
from fpgaforge.units.ssm_scan import SSMStep

CTX = CostContext.of(view("vck190"), 400)


def test_gemv_paper_sizes_match_the_released_cycle_count():
    # in_proj 2560 -> 10576 and out_proj 5120 -> 2560 on 64 MACs/cycle: 627,840 cycles
    cycles = sum(
        PotGemv(r, c, lanes=64, simd=64).compute_cycles for r, c in ((10576, 2560), (2560, 5120))
    )
    assert cycles == 627_840


def test_gemv_is_paced_by_the_slower_of_compute_and_stream():
    g = PotGemv(256, 256, lanes=64, simd=64, port_bytes=8.0)
    # 32 KB of codes + 256 rows x 2 groups x 6 bits of shifts = 32,768 + 384 bytes
    assert g.weight_bytes == 32_768 + 384
    est = g.estimate(CTX)
    assert est.ii == g.weight_bytes / 8.0 > g.compute_cycles == 1024
    assert est.dsp == 0 and est.offchip_bytes == g.weight_bytes


def test_ssm_step_cycles_and_state():
    # ff_ssm_step's schedule: a header of 2*8+4 cycles per 8 heads and one beat per 8 B / C
    # codes, then per head one x beat per 8 channels and 8*16/8 issue cycles, a 5-stage drain
    s = SSMStep(heads=8, headdim=8, d_state=16, groups=2, lanes=8)
    est = s.estimate(CTX)
    assert est.cycles == (2 * 8 + 4) + 2 * 2 * 16 // 8 + 8 * (1 + 8 * 16 // 8) + 5
    assert est.ii == est.cycles + 1
    assert SSMStep(8, 8, 16, batch=2, groups=2, lanes=8).estimate(CTX).ii == 2 * est.ii
    # 1024 codes of 8 bits plus one 4-bit shift per 8 codes
    assert s.state_bytes == 1024 + 64
    stream = SSMStep(8, 8, 16, groups=2, lanes=8, state_place="stream").estimate(CTX)
    assert stream.offchip_bytes == 2 * s.state_bytes and stream.bram < est.bram


def test_mixed_hadamard_splits_k_and_power_of_two():
    est = MixedHadamard(5120, 1, 8, lanes=16, k_lanes=16).estimate(CTX)
    # ff_hadamard: 5120 = 20 x 256: load + 8 butterfly stages at 32 values a cycle, then
    # the 20 x 20 stage at 16 outputs a cycle; the output register adds one cycle
    assert est.ii == (8 + 1) * 5120 // 32 + 5120 // 16 == 1760
    assert est.cycles == est.ii + 1
    assert est.dsp == 0 and est.bram == 0


def test_rtl_builders_refuse_with_one_sentence():
    from types import SimpleNamespace

    import pytest

    from fpgaforge.units.hadamard import rtl as hadamard_rtl
    from fpgaforge.units.pot_gemv import rtl as gemv_rtl

    class Planner:
        def fail(self, stage, why):
            return ValueError(f"stage {stage}: {why}")

    node = SimpleNamespace(op="Hadamard", name="rot")
    with pytest.raises(ValueError, match="'rot' maps to ff_hadamard.*--backend hls"):
        hadamard_rtl.build(Planner(), "s0", [node])
    with pytest.raises(ValueError, match="maps to ff_pot_gemv"):
        gemv_rtl.build(Planner(), "s1", [SimpleNamespace(op="IntLinear", name="in_proj")])
