"""The cocotb engine of RTL simulation (`cocotb_tools.runner`), for Verilator and Icarus.

Builds the generated top into `<build>/`, runs the generated cocotb bench
(`<rtl>/tb/test_top.py`, driver, monitor, scoreboard in Python) and returns the
bench's result record. Slower than the compiled bench (a Python call per signal
and cycle); kept for protocol-level checks and for Icarus.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlToolError
from fpgaforge.sim.tools import build_args, tool_env


def run_cocotb(
    rtl: Path,
    project: dict[str, Any],
    simulator: str,
    sim_build: Path,
    vectors: int | None,
    waves: bool,
) -> tuple[dict[str, Any], float, float]:
    """Build and run the cocotb bench; returns (result record, build seconds, run seconds)."""
    from cocotb_tools.runner import get_runner

    tool_env(simulator)
    top = project["top"]
    sim_build.mkdir(parents=True, exist_ok=True)
    result_file = sim_build / "result.json"
    if result_file.exists():
        result_file.unlink()
    runner = get_runner(simulator)
    sources = [rtl / s for s in project["sources"]]
    t0 = time.monotonic()
    log = sim_build / "build.log"
    try:
        runner.build(
            sources=sources,
            hdl_toplevel=top,
            build_dir=sim_build,
            build_args=build_args(simulator, rtl),
            waves=waves,
            timescale=("1ns", "1ps"),
            log_file=log,
        )
    except (SystemExit, Exception) as exc:  # the runner raises SystemExit or CalledProcessError
        raise RtlToolError(f"{simulator} could not build '{top}' ({exc}); see {log}.") from None
    build_s = time.monotonic() - t0
    tb = rtl / "tb"
    env = {
        "FPGAFORGE_RTLSIM_RESULT": str(result_file),
        "FPGAFORGE_RTLSIM_VECTORS": str(vectors or 0),
    }
    added = str(tb) not in sys.path
    if added:
        sys.path.insert(0, str(tb))
    t1 = time.monotonic()
    try:
        runner.test(
            test_module="test_top",
            hdl_toplevel=top,
            build_dir=sim_build,
            test_dir=rtl,
            extra_env=env,
            waves=waves,
            log_file=sim_build / "test.log",
            results_xml=str(sim_build / "results.xml"),
        )
    except (SystemExit, Exception):
        pass  # a failing bench still writes its result file; a crash leaves none (checked below)
    finally:
        if added and str(tb) in sys.path:
            sys.path.remove(str(tb))
    wall = time.monotonic() - t1
    if not result_file.exists():
        raise RtlToolError(
            f"The {simulator} simulation of '{top}' produced no result; see {sim_build / 'test.log'}."
        )
    return json.loads(result_file.read_text()), build_s, wall
