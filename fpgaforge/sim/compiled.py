"""The compiled engine of RTL simulation: Verilator with a C++ testbench.

The generated top is verilated together with `harness/ff_tb_main.cpp` (driver,
monitor and scoreboard in C++, the same three phases and cycle counting as the
cocotb bench) into one executable per project, cached under
`<rtl>/sim_build/compiled/` by a hash of its sources, the harness, the flags
and the Verilator version: a second run of an unchanged project does not build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from fpgaforge.rtl.errors import RtlToolError
from fpgaforge.sim.tools import build_args, tool_env

HARNESS = Path(__file__).with_name("harness") / "ff_tb_main.cpp"
EXECUTABLE = "ff_tb"
MAGIC = 0x4646544231
VERSION = 1
SEED = 0x5EED
MIN_SHARD_CYCLES = 100_000
"""Estimated cycles each process must have before a run is split across processes: below it
their start-up (ROM loading, the latency and interval phases run again) outweighs the gain."""
# Make variables of the model's C++ build: the precompiled headers (two ~70 MB files that only
# pay off for hundreds of model files) are reduced to a preprocessor pass and not included.
MAKE_VARIABLES = (
    "CFG_CXXFLAGS_PCH=-E",
    "VK_PCH_I_FAST=",
    "VK_PCH_I_SLOW=",
)
CXX_ENV = "FPGAFORGE_RTLSIM_CXX"
"""Environment variable naming the C++ compiler of the compiled bench (default: clang++ when
installed, else g++)."""
CLANG_NAMES = ("clang++", *(f"clang++-{v}" for v in range(20, 13, -1)))
# clang++ -O2 runs the verilated model of the bundled CNN 1.27x faster than g++ -O1 (the
# unrolled straight-line datapath; median of 7 runs, 1.05M against 0.83M cycles/s) and builds
# in less time (7.1 s against 8.1 s without the compiler cache); g++ -O2 gains 3 % over -O1.
# Unroll every loop of the library modules (PE x SIMD products, window lanes): constant part
# selects instead of indexed ones on wide words, a third less time per simulated cycle.
UNROLL = ("--unroll-count", "4096", "--unroll-stmts", "1000000")
# Build products that only a rebuild needs.
SCRATCH = ("*.gch", "*.o", "*.a", "*.d")


def compiler() -> tuple[str, tuple[str, ...]]:
    """(C++ compiler, its Make variables and Verilator flags) of the compiled bench: $FPGAFORGE_
    RTLSIM_CXX when set, else the first clang++ on PATH, else g++; clang at -O2 (it needs
    libatomic for Verilator's runtime), g++ at -O1 (-O2 builds in twice the time for 3 %)."""
    chosen = os.environ.get(CXX_ENV) or next(
        (name for name in CLANG_NAMES if shutil.which(name)), "g++"
    )
    if "clang" in Path(chosen).name:
        make = (f"CXX={chosen}", f"LINK={chosen}", "OPT_FAST=-O2")
        return chosen, (*_make_flags(make), "-LDFLAGS", "-latomic")
    make = (f"CXX={chosen}", f"LINK={chosen}", "OPT_FAST=-O1")
    return chosen, _make_flags(make)


def _make_flags(variables: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        arg for variable in (*variables, *MAKE_VARIABLES) for arg in ("-MAKEFLAGS", variable)
    )


def _verilator_version() -> str:
    done = subprocess.run(["verilator", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _command(rtl: Path, project: dict[str, Any], build: Path, waves: bool) -> list[str]:
    command = [
        "verilator",
        "--cc",
        "--exe",
        "--build",
        "-j",
        str(max(1, os.cpu_count() or 1)),
        "--prefix",
        "Vff_top",
        "--top-module",
        project["top"],
        "-Mdir",
        str(build),
        "-o",
        EXECUTABLE,
        *compiler()[1],
        *UNROLL,
        *build_args("verilator", rtl),
    ]
    if waves:
        command += ["--trace", "-CFLAGS", "-DFF_TB_WAVES"]
    return command + [str(rtl / s) for s in project["sources"]] + [str(HARNESS)]


def _digest(rtl: Path, project: dict[str, Any], command: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(_verilator_version().encode())
    digest.update("\0".join(command).encode())
    for path in [HARNESS, rtl / "ff_lint.vlt", *(rtl / s for s in project["sources"])]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_compiled(rtl: Path, project: dict[str, Any], build: Path, waves: bool = False) -> float:
    """Verilate and compile the bench into `build/ff_tb` unless the cached one is current;
    returns the build seconds (0.0 when the cache was used)."""
    tool_env("verilator")
    build.mkdir(parents=True, exist_ok=True)
    command = _command(rtl, project, build, waves)
    digest = _digest(rtl, project, command)
    stamp = build / "sources.sha256"
    executable = build / EXECUTABLE
    if executable.is_file() and stamp.is_file() and stamp.read_text().strip() == digest:
        return 0.0
    stamp.unlink(missing_ok=True)
    log = build / "build.log"
    t0 = time.monotonic()
    with log.open("w") as handle:
        done = subprocess.run(
            command, cwd=build, stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode != 0 or not executable.is_file():
        raise RtlToolError(
            f"Verilator could not build the compiled bench of '{project['top']}'; see {log}."
        )
    for pattern in SCRATCH:
        for path in build.glob(pattern):
            path.unlink()
    stamp.write_text(digest + "\n")
    return time.monotonic() - t0


def read_vectors(rtl: Path, vectors: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, expected) stream-order codes of `tb/vectors.json`, the first `vectors` of them."""
    data = json.loads((rtl / "tb" / "vectors.json").read_text())
    inputs = np.asarray(data["inputs"], dtype=np.int64)
    expected = np.asarray(data["expected"], dtype=np.int64)
    if vectors:
        inputs, expected = inputs[:vectors], expected[:vectors]
    if int(inputs.shape[0]) == 0:
        raise RtlToolError(
            f"{rtl / 'tb' / 'vectors.json'} holds no test vectors; rebuild the project."
        )
    return inputs, expected


def write_vector_file(
    project: dict[str, Any], path: Path, inputs: np.ndarray, expected: np.ndarray, seed: int = SEED
) -> None:
    """The codes as the bench's int64 file (header, inputs, expected)."""
    count = int(inputs.shape[0])
    source, sink = project["input"], project["output"]
    in_beats = -(-int(source["elements"]) // int(source["lanes"]))
    out_beats = -(-int(sink["elements"]) // int(sink["lanes"]))
    estimate = project.get("estimate", {})
    latency = float(estimate.get("latency_cycles") or 0)
    interval = float(estimate.get("interval_cycles") or 0)
    max_cycles = int(50 * (latency + count * max(interval, in_beats, out_beats)) + 100_000)
    head = [
        MAGIC,
        VERSION,
        count,
        inputs.shape[1],
        expected.shape[1],
        source["lanes"],
        source["width"],
        sink["lanes"],
        sink["width"],
        int(bool(sink["signed"])),
        in_beats,
        out_beats,
        max_cycles,
        seed,
    ]
    with path.open("wb") as handle:
        handle.write(np.asarray(head, dtype="<i8").tobytes())
        handle.write(np.ascontiguousarray(inputs, dtype="<i8").tobytes())
        handle.write(np.ascontiguousarray(expected, dtype="<i8").tobytes())


def shard_count(project: dict[str, Any], count: int, jobs: int | None) -> int:
    """Processes a run of `count` vectors is split across: `jobs` when given (at most one per
    vector), else one per CPU core as long as each keeps MIN_SHARD_CYCLES estimated cycles."""
    if jobs is not None:
        return max(1, min(int(jobs), count))
    interval = float(project.get("estimate", {}).get("interval_cycles") or 0)
    by_work = int(count * interval // MIN_SHARD_CYCLES)
    return max(1, min(os.cpu_count() or 1, by_work, count))


def run_compiled(
    rtl: Path,
    project: dict[str, Any],
    build: Path,
    vectors: int | None,
    waves: bool,
    jobs: int | None = None,
) -> tuple[dict[str, Any], float, float]:
    """Build (or reuse) the compiled bench and run it, the vectors split across `shard_count`
    processes run side by side (one when waveforms are dumped); returns (result, build s, run
    s). Each process runs the bench's three phases on its share of the vectors from its own
    reset; latency and interval are those of the first share (the single run's), the counts
    and cycles add up, the loop time is the longest process's."""
    build_s = build_compiled(rtl, project, build, waves)
    inputs, expected = read_vectors(rtl, vectors)
    shards = 1 if waves else shard_count(project, int(inputs.shape[0]), jobs)
    bounds = np.linspace(0, inputs.shape[0], shards + 1).astype(int)
    for pattern in ("vectors_*.bin", "result_*.json"):  # the shares of an earlier split run
        for path in build.glob(pattern):
            path.unlink()
    runs = []
    for i in range(shards):
        suffix = "" if shards == 1 else f"_{i}"
        vector_file, result_file = build / f"vectors{suffix}.bin", build / f"result{suffix}.json"
        result_file.unlink(missing_ok=True)
        lo, hi = bounds[i], bounds[i + 1]
        write_vector_file(project, vector_file, inputs[lo:hi], expected[lo:hi], SEED + i)
        command = [str(build / EXECUTABLE), str(vector_file), str(result_file)]
        if waves:
            command.append(str(build / "waves.vcd"))
        runs.append((command, result_file, int(lo)))
    t0 = time.monotonic()
    processes = [
        subprocess.Popen(
            command, cwd=rtl, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for command, _, _ in runs
    ]
    outputs = [process.communicate() for process in processes]
    wall = time.monotonic() - t0
    results = []
    for process, (stdout, stderr), (_, result_file, _) in zip(
        processes, outputs, runs, strict=True
    ):
        if process.returncode != 0 or not result_file.is_file():
            message = (stderr or stdout).strip().splitlines()
            reason = message[-1] if message else f"exit code {process.returncode}"
            raise RtlToolError(f"The compiled bench of '{project['top']}' failed: {reason}.")
        result = json.loads(result_file.read_text())
        if result.get("error"):
            raise RtlToolError(
                f"The compiled bench of '{project['top']}' stopped: {result['error']}; "
                "the design does not drain its output (check back-pressure handling)."
            )
        results.append(result)
    return merge_results(results, [start for _, _, start in runs]), build_s, wall


def merge_results(results: list[dict[str, Any]], starts: list[int]) -> dict[str, Any]:
    """One bench result from those of the shards that started at vectors `starts`."""
    if len(results) == 1:
        return {**results[0], "processes": 1}
    first = results[0]
    detail = [
        {**item, "vector": int(item["vector"]) + start}
        for result, start in zip(results, starts, strict=True)
        for item in result.get("mismatch_detail", ())
    ]
    statuses = [r["registers"].get("status") for r in results if "registers" in r]
    bad = [status for status in statuses if status is not None and status & 3 != 1]
    registers = dict(first.get("registers", {}))
    if "inferences" in registers:
        registers["inferences"] = sum(r["registers"]["inferences"] for r in results)
    if bad:
        registers["status"] = bad[0]
    return {
        **first,
        "vectors": sum(r["vectors"] for r in results),
        "received": sum(r["received"] for r in results),
        "mismatches": sum(r["mismatches"] for r in results),
        "mismatch_detail": detail[:5],
        "tlast_errors": sum(r.get("tlast_errors", 0) for r in results),
        "simulated_cycles": sum(r["simulated_cycles"] for r in results),
        "simulation_s": max(r["simulation_s"] for r in results),
        "registers": registers,
        "processes": len(results),
    }
