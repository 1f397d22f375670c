"""RTL simulation of a generated project, checked bit for bit against its expected codes.

`run_rtlsim(out)` simulates the generated top with one of two engines and returns an
`RtlsimResult`: vectors checked, mismatches (0 means bit-exact), latency and initiation
interval in simulated cycles next to the scheduler's estimate, and simulation speed.

- `compiled` (the default with Verilator): a C++ testbench compiled with the verilated
  model (`fpgaforge.sim.compiled`), millions of cycles per second, built once per project.
- `cocotb`: the generated cocotb bench (`tb/test_top.py`) on Verilator or Icarus
  (`fpgaforge.sim.cocotb_engine`), for protocol-level checks and for Icarus.

Both engines run the same three phases with the same cycle counting, so latency and
interval agree between them; the random back-pressure sequences differ.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlProjectError, RtlToolError
from fpgaforge.rtl.generator import AXIL_ID
from fpgaforge.rtl.project import rtl_dir
from fpgaforge.sim.tools import ENGINES, SIMULATORS


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
    engine: str = "cocotb"
    register_errors: tuple[str, ...] = ()
    simulation_s: float | None = None
    """Seconds of the simulation loop alone (the compiled bench times it; None for cocotb,
    whose figure is the wall time of the whole test run)."""
    processes: int = 1
    """Simulator processes the vectors were split across, run side by side (compiled bench);
    `simulation_s` is then the longest one's loop and `simulated_cycles` their sum."""
    compiler: str | None = None
    """The C++ compiler of the compiled bench (`sim.compiled.compiler`)."""

    @property
    def passed(self) -> bool:
        """True when every vector came back equal to the expected codes bit for bit and the
        control registers read back what the run did."""
        return (
            self.mismatches == 0
            and self.received == self.vectors
            and self.vectors > 0
            and not self.register_errors
        )

    @property
    def cycles_per_second(self) -> float:
        """Simulated clock cycles per second of the simulation loop (compiled bench: process
        start-up, vector file and ROM loading excluded), else of the whole test run."""
        timed = self.simulation_s if self.simulation_s else self.wall_s
        return self.simulated_cycles / timed if timed else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["detail"] = list(self.detail)
        data["register_errors"] = list(self.register_errors)
        return data


def default_engine(simulator: str) -> str:
    """The compiled bench for Verilator; cocotb for Icarus (which has no C++ harness)."""
    return "compiled" if simulator == "verilator" else "cocotb"


def run_rtlsim(
    out_dir: str | Path,
    simulator: str = "verilator",
    vectors: int | None = None,
    waves: bool = False,
    *,
    engine: str | None = None,
    build_dir: str | Path | None = None,
    jobs: int | None = None,
) -> RtlsimResult:
    """Simulate the generated top of the project in `out_dir` against its expected codes.

    `jobs`: processes the compiled bench splits the vectors across (default: one per CPU
    core when the run is long enough to gain from it, `compiled.shard_count`)."""
    if simulator not in SIMULATORS:
        raise RtlToolError(f"Simulator {simulator!r} is not one of {', '.join(SIMULATORS)}.")
    engine = engine or default_engine(simulator)
    if engine not in ENGINES:
        raise RtlToolError(f"Engine {engine!r} is not one of {', '.join(ENGINES)}.")
    if engine == "compiled" and simulator != "verilator":
        raise RtlToolError(
            f"The compiled bench runs on Verilator only; use --engine cocotb with {simulator}."
        )
    if vectors is not None and (isinstance(vectors, bool) or int(vectors) <= 0):
        raise RtlProjectError(f"--vectors must be a positive number, got {vectors}.")
    if jobs is not None and (isinstance(jobs, bool) or int(jobs) <= 0):
        raise RtlProjectError(f"--jobs must be a positive number, got {jobs}.")
    rtl = rtl_dir(out_dir).resolve()
    project = read_project(rtl)
    if project.get("mode") == "decode":  # the decode-step top has a cocotb bench only
        engine = "cocotb"
    cxx = None
    if engine == "compiled":
        from fpgaforge.sim.compiled import compiler, run_compiled

        build = Path(build_dir) if build_dir else rtl / "sim_build" / "compiled"
        data, build_s, wall = run_compiled(rtl, project, build, vectors, waves, jobs)
        cxx = compiler()[0]
    else:
        from fpgaforge.sim.cocotb_engine import run_cocotb

        build = Path(build_dir) if build_dir else rtl / "sim_build" / simulator
        data, build_s, wall = run_cocotb(rtl, project, simulator, build, vectors, waves)
    est = _estimates(rtl, project)
    return RtlsimResult(
        simulator=simulator,
        top=project["top"],
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
        engine=engine,
        register_errors=register_errors(data.get("registers", {}), int(data["vectors"])),
        simulation_s=data.get("simulation_s"),
        processes=int(data.get("processes", 1)),
        compiler=cxx,
    )


def read_project(rtl: Path) -> dict[str, Any]:
    """`project.json` of the RTL folder, its sources and bench present, or one sentence why not."""
    try:
        project = json.loads((rtl / "project.json").read_text(encoding="utf-8"))
        sources = [str(s) for s in project["sources"]]
        for key in ("top", "input", "output"):  # the fields both engines read
            if key not in project or (key != "top" and "lanes" not in project[key]):
                raise KeyError(key)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RtlProjectError(
            f"'{rtl / 'project.json'}' is unreadable or incomplete ({type(exc).__name__}); "
            "rebuild the project with `fpgaforge build --backend rtl`."
        ) from None
    needed = [*sources, "tb/test_top.py", "tb/vectors.json"]
    missing = [s for s in needed if not (rtl / s).is_file()]
    if missing:
        raise RtlProjectError(f"RTL file '{rtl / missing[0]}' is missing; rebuild the project.")
    return project


def register_errors(registers: dict[str, int], vectors: int) -> tuple[str, ...]:
    """What the control/status registers read back wrong after a run of `vectors` inferences."""
    errors = []
    if "id" in registers and registers["id"] != AXIL_ID:
        errors.append(f"ID reads {registers['id']:#x}, not {AXIL_ID:#x}")
    if "inferences" in registers and registers["inferences"] != vectors:
        errors.append(f"INFERENCES reads {registers['inferences']}, not {vectors}")
    if "status" in registers and registers["status"] & 3 != 1:
        errors.append(f"STATUS reads {registers['status']:#x} (want done, not busy)")
    return tuple(errors)


def _estimates(rtl: Path, project: dict[str, Any]) -> tuple[float | None, float | None]:
    """The scheduler's latency and interval: from `schedule.json` beside `rtl/`, else project.json."""
    schedule = rtl.parent / "schedule.json"
    if schedule.is_file():
        data = json.loads(schedule.read_text())
        est = data.get("estimates", {})
        return est.get("latency_cycles"), est.get("interval_cycles")
    est = project.get("estimate", {})
    return est.get("latency_cycles"), est.get("interval_cycles")
