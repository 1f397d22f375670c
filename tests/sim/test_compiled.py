"""The compiled Verilator bench: bit-exact, the same latency and interval as the cocotb bench
on every bundled model, built once per project (cached by a hash of its sources), and a
wrong expected code is reported as a mismatch of that vector."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from fpgaforge.flow import build
from fpgaforge.rtl.errors import RtlToolError
from fpgaforge.sim.rtlsim import run_rtlsim

pytestmark = pytest.mark.rtlsim
MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def make(folder: Path, model: str, spec: str, board: str, vectors: int = 24) -> Path:
    data = np.load(MODELS / f"{model}_test.npz")["x"]
    out = folder / f"{model}_{board}"
    build(
        MODELS / f"{model}.onnx",
        board,
        spec,
        out,
        backend="rtl",
        calibration={"x": data},
        vectors=vectors,
    )
    return out


@pytest.fixture(scope="module")
def cnn(tmp_path_factory) -> Path:
    return make(tmp_path_factory.mktemp("compiled"), "digits_cnn", "fixed:8,3", "ultra96v2")


@pytest.mark.parametrize(
    ("model", "spec", "board"),
    [
        ("digits_mlp", "int8", "ulx3s-85f"),
        ("digits_cnn", "fixed:8,3", "ultra96v2"),
        ("digits_rescnn", "int8", "zcu104"),
    ],
)
def test_cycles_equal_cocotb(tmp_path, model, spec, board):
    out = make(tmp_path, model, spec, board)
    compiled = run_rtlsim(out, "verilator")
    assert compiled.engine == "compiled"
    assert compiled.passed and compiled.vectors == 24, compiled.detail
    reference = run_rtlsim(out, "verilator", vectors=8, engine="cocotb")
    assert reference.passed, reference.detail
    assert compiled.latency_cycles == reference.latency_cycles
    assert compiled.interval_cycles == reference.interval_cycles


def test_build_is_cached_by_source_hash(cnn):
    first = run_rtlsim(cnn, "verilator", vectors=4)
    again = run_rtlsim(cnn, "verilator", vectors=4)
    assert again.build_s == 0.0 and again.passed
    assert first.latency_cycles == again.latency_cycles
    build = cnn / "rtl" / "sim_build" / "compiled"
    assert not list(build.glob("*.gch")), "precompiled headers are removed after the build"
    waiver = cnn / "rtl" / "ff_lint.vlt"
    waiver.write_text(waiver.read_text() + "\n")
    rebuilt = run_rtlsim(cnn, "verilator", vectors=4)
    assert rebuilt.build_s > 0.0 and rebuilt.passed


def with_wrong_code(project: Path, vector: int, position: int, **options):
    """`run_rtlsim` on the project with one expected code changed (restored afterwards)."""
    vectors = project / "rtl" / "tb" / "vectors.json"
    original = vectors.read_text()
    data = json.loads(original)
    data["expected"][vector][position] += 1
    vectors.write_text(json.dumps(data))
    try:
        return run_rtlsim(project, "verilator", **options)
    finally:
        vectors.write_text(original)


def test_wrong_expected_code_is_a_mismatch(cnn, tmp_path):
    result = with_wrong_code(cnn, 3, 1)
    assert not result.passed
    assert result.mismatches == 1
    assert result.detail[0]["vector"] == 3 and result.detail[0]["positions"] == [1]


def test_vectors_split_across_processes(cnn):
    """Three processes on 24 vectors: the same verdict, latency and interval as one process,
    every vector counted once (the registers' inference count included), and a wrong code in
    the last share reported at its own vector number."""
    single = run_rtlsim(cnn, "verilator", jobs=1)
    split = run_rtlsim(cnn, "verilator", jobs=3)
    assert single.processes == 1 and split.processes == 3
    assert split.passed and split.vectors == split.received == 24, split.register_errors
    assert (split.latency_cycles, split.interval_cycles) == (
        single.latency_cycles,
        single.interval_cycles,
    )
    # every process runs its own latency and interval phases on top of its share
    assert split.simulated_cycles > single.simulated_cycles
    wrong = with_wrong_code(cnn, 21, 0, jobs=3)
    assert wrong.mismatches == 1 and wrong.detail[0]["vector"] == 21


def test_long_runs_split_by_default():
    """One process per core once each gets MIN_SHARD_CYCLES estimated cycles, never more
    processes than vectors; an explicit count wins."""
    from fpgaforge.sim.compiled import MIN_SHARD_CYCLES, shard_count

    project = {"estimate": {"interval_cycles": 64}}
    assert shard_count(project, MIN_SHARD_CYCLES // 64, None) == 1
    cores = os.cpu_count() or 1
    assert shard_count(project, 10 * cores * MIN_SHARD_CYCLES // 64, None) == cores
    assert shard_count(project, 2, 8) == 2
    assert shard_count({}, 10_000, None) == 1  # no estimate: one process


def test_compiled_needs_verilator(cnn):
    with pytest.raises(RtlToolError, match="Verilator only"):
        run_rtlsim(cnn, "icarus", engine="compiled")


def test_compiler_choice(monkeypatch):
    """clang++ at -O2 with libatomic when one is on PATH, else g++ at -O1; the environment
    variable names another compiler."""
    from fpgaforge.sim import compiled

    monkeypatch.delenv(compiled.CXX_ENV, raising=False)
    monkeypatch.setattr(compiled.shutil, "which", lambda name: None)
    name, flags = compiled.compiler()
    assert name == "g++" and "OPT_FAST=-O1" in flags and "-latomic" not in flags
    monkeypatch.setattr(
        compiled.shutil, "which", lambda name: "/usr/bin/x" if name == "clang++-16" else None
    )
    name, flags = compiled.compiler()
    assert name == "clang++-16" and "OPT_FAST=-O2" in flags and "-latomic" in flags
    assert "CXX=clang++-16" in flags and "LINK=clang++-16" in flags
    monkeypatch.setenv(compiled.CXX_ENV, "g++")
    assert compiled.compiler()[0] == "g++"


def test_gcc_builds_the_same_bench(cnn, monkeypatch):
    """The bench built with g++ gives the verdict and cycles of the default build, and the
    compiler is part of the cached build's hash."""
    default = run_rtlsim(cnn, "verilator", vectors=6)
    monkeypatch.setenv("FPGAFORGE_RTLSIM_CXX", "g++")
    with_gcc = run_rtlsim(cnn, "verilator", vectors=6)
    assert with_gcc.compiler == "g++" and with_gcc.passed
    if default.compiler != "g++":
        assert with_gcc.build_s > 0.0
    assert (with_gcc.latency_cycles, with_gcc.interval_cycles) == (
        default.latency_cycles,
        default.interval_cycles,
    )
