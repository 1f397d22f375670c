"""Build and run a per-module cocotb bench on Verilator (shared by tests/rtl/modules)."""

from __future__ import annotations

import sys
from pathlib import Path

from fpgaforge.rtl.generator import VERILOG_DIR
from fpgaforge.sim.rtlsim import tool_env

HERE = Path(__file__).parent


def run_bench(
    top: str, modules: list[str], bench: str, build_dir: Path, parameters: dict | None = None
) -> Path:
    """Compile `modules` (library names) plus `hdl/<top>.v` when it exists, run `bench`."""
    from cocotb_tools.runner import get_runner

    tool_env("verilator")
    sources = [VERILOG_DIR / f"{m}.v" for m in modules]
    wrapper = HERE / "hdl" / f"{top}.v"
    if wrapper.exists():
        sources.append(wrapper)
    runner = get_runner("verilator")
    runner.build(
        sources=sources,
        hdl_toplevel=top,
        build_dir=build_dir,
        parameters=parameters or {},
        build_args=[str(VERILOG_DIR / "ff_lint.vlt"), "-Wno-fatal"],
        timescale=("1ns", "1ps"),
        log_file=build_dir / "build.log",
    )
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    return runner.test(
        test_module=bench,
        hdl_toplevel=top,
        build_dir=build_dir,
        test_dir=HERE,
        parameters=parameters or {},
        results_xml=str(build_dir / "results.xml"),
        log_file=build_dir / "test.log",
    )


def failures(results_xml: Path) -> int:
    """Failed test cases in a cocotb results file."""
    from cocotb_tools.runner import get_results

    _, failed = get_results(results_xml)
    return failed
