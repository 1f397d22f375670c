"""yosys synthesis of one library module (`rtl/verilog/<module>.v`) with parameters, as its
own flattened top: the resource check of a unit's cost-model terms without a generated
project (bench/mamba_gemv_resources.py, tests/rtl/test_unit_synth.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlToolError
from fpgaforge.rtl.generator import VERILOG_DIR
from fpgaforge.rtl.synth import cell_counts, classify, find_yosys, run_tool


def synth_module(
    module: str,
    params: dict[str, Any],
    work: Path,
    *,
    files: dict[str, str] | None = None,
    family: str = "xcup",
    timeout: float = 900,
) -> dict[str, Any]:
    """Synthesize `module` with `params` (synth_xilinx -family `family`); `files` (name →
    text) are written beside the source (memory images; string parameters name them
    relative to `work`). Returns the resource classes (LUT RAM at the LUTs it occupies) and
    the cell counts."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(VERILOG_DIR / f"{module}.v", work / f"{module}.v")
    for name, text in (files or {}).items():
        (work / name).write_text(text)
    sets = " ".join(
        f'-set {k} "{v}"' if isinstance(v, str) else f"-set {k} {int(v)}" for k, v in params.items()
    )
    script = [
        f"read_verilog -defer {module}.v",
        *([f"chparam {sets} $abstract\\{module}"] if sets else []),
        f"hierarchy -top {module}",
        f"synth_xilinx -family {family} -top {module} -flatten -noiopad",
        "tee -q -o stat.json stat -json",
    ]
    (work / "synth.ys").write_text("\n".join(script) + "\n")
    _, yosys = find_yosys()
    code = run_tool(
        [yosys, "-q", "-s", "synth.ys"], cwd=work, log=work / "yosys.log", timeout=timeout,
        what=f"yosys ({module})",
    )  # fmt: skip
    if code != 0:
        raise RtlToolError(f"yosys failed on {module} with {params}; see {work / 'yosys.log'}.")
    cells = cell_counts(json.loads((work / "stat.json").read_text()))
    return {"resources": classify(cells, family), "cells": dict(sorted(cells.items()))}
