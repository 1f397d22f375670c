"""The csim and rtlsim lines."""

from __future__ import annotations

from fpgaforge.hls.csim import CsimResult
from fpgaforge.report.tables import sim
from fpgaforge.sim.rtlsim import RtlsimResult


def test_csim_pass() -> None:
    result = CsimResult(10, 0, 0, 2.8013, 0.00512, "")
    assert sim.csim_lines(result) == [
        "vectors: 10  mismatches: 0  max |diff|: 0",
        "g++ -O1: 2.80 s  run: 0.005 s",
        "PASS: every output code equals the expected code",
    ]


def test_csim_precompiled() -> None:
    result = CsimResult(3, 0, 0, 1.2, 0.001, "", "-O0", True)
    assert sim.csim_lines(result)[1] == "g++ -O0 (precompiled header): 1.20 s  run: 0.001 s"


def test_csim_fail() -> None:
    assert sim.csim_lines(CsimResult(10, 3, 7, 1.0, 0.1, ""))[-1] == (
        "FAIL: outputs differ from the expected codes"
    )
    assert sim.csim_lines(CsimResult(0, 0, 0, 1.0, 0.1, ""))[-1] == "FAIL: no vectors were run"


def test_rtlsim_lines() -> None:
    result = RtlsimResult(
        "verilator", "digits_cnn_top", 5, 5, 0, 180, 64, 178.0, 64, 1000, 0.5, 11.04
    )
    assert sim.rtlsim_lines(result) == [
        "PASS: 5/5 vectors, 0 mismatches (verilator, cocotb bench, top digits_cnn_top)",
        "latency  180 cycles (estimate 178.0, ratio 1.011)",
        "interval 64 cycles (estimate 64.0, ratio 1.000)",
        "2,000 simulated cycles/s (1,000 cycles in 0.500 s), build 11.0 s",
    ]


def test_rtlsim_compiled_cached_and_register_errors() -> None:
    result = RtlsimResult(
        "verilator",
        "t",
        5,
        5,
        0,
        10,
        4,
        10.0,
        4,
        4000,
        0.002,
        0.0,
        engine="compiled",
        register_errors=("INFERENCES reads 4, not 5",),
    )
    lines = sim.rtlsim_lines(result)
    assert lines[0] == "FAIL: 5/5 vectors, 0 mismatches (verilator, compiled bench, top t)"
    assert lines[3] == "2,000,000 simulated cycles/s (4,000 cycles in 0.002 s), cached build"
    assert lines[4] == "  register: INFERENCES reads 4, not 5"


def test_rtlsim_failure_lists_vectors() -> None:
    detail = ({"vector": 2, "positions": [0, 3]},)
    result = RtlsimResult("icarus", "t", 4, 3, 1, 9, 4, None, None, 20, 0.0, 1.0, detail)
    lines = sim.rtlsim_lines(result)
    assert lines[0] == "FAIL: 3/4 vectors, 1 mismatches (icarus, cocotb bench, top t)"
    assert lines[1] == "latency  9 cycles (estimate -, ratio -)"
    assert lines[3] == "0 simulated cycles/s (20 cycles in 0.000 s), build 1.0 s"
    assert lines[4:] == ["  vector 2: positions [0, 3]"]


def test_rtlsim_rate_from_the_timed_loop_of_the_compiled_bench() -> None:
    result = RtlsimResult(
        "verilator",
        "t",
        5,
        5,
        0,
        10,
        4,
        10.0,
        4,
        8000,
        0.02,
        0.0,
        engine="compiled",
        simulation_s=0.008,
    )
    assert result.cycles_per_second == 1_000_000
    assert sim.rtlsim_lines(result)[3] == (
        "1,000,000 simulated cycles/s (8,000 cycles in 0.008 s; run 0.020 s with start-up), "
        "cached build"
    )
