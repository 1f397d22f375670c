"""Write an RTL project: library modules, generated top, ROM images, file list, cocotb bench.

Layout of `out_dir` (normally `<project>/rtl`):

    ff_*.v, ff_lint.vlt   library modules the top uses (copies) and the lint waivers
    <top>.v               generated top (AXI4-Stream in/out, status counters)
    mem/*.hex             weight, bias and requant ROM images ($readmemh)
    filelist.f            sources in compile order (top last)
    tb/test_top.py        cocotb testbench (driver, monitor, scoreboard)
    tb/vectors.json       input codes and expected output codes in stream order
    project.json          what rtlsim and synth need (top, sources, stream format, the
                          top's instances with their module, stage and parameters: `units`
                          from the planner, `control` the register block; estimates)

Everything is a pure function of its inputs: rebuilding gives identical bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.rtl.errors import RtlProjectError
from fpgaforge.rtl.generator import (
    AXIL_MODULE,
    VERILOG_DIR,
    banner,
    control_instance,
    library_source,
    modules_used,
    param_value,
    render_testbench,
    render_top,
)
from fpgaforge.rtl.naming import comment_safe
from fpgaforge.rtl.planner import Plan
from fpgaforge.rtl.planner import plan as build_plan

PROJECT_SCHEMA = "fpgaforge.rtl/1"


def rtl_dir(out_dir: str | Path) -> Path:
    """The RTL folder of a project (`OUT/rtl`) or `out_dir` itself when it is one."""
    out = Path(out_dir)
    for candidate in (out / "rtl", out):
        if (candidate / "project.json").is_file():
            return candidate
    raise RtlProjectError(
        f"'{out}' holds no RTL project (no rtl/project.json); build it with `fpgaforge build ... --backend rtl`."
    )


def stream_vectors(plan: Plan, vectors: Any) -> dict[str, Any]:
    """Input and expected output codes of `vectors` (TestVectors) in the top's stream order."""
    x = np.asarray(vectors.input_codes[plan.input_name]).astype(np.int64)
    y = np.asarray(vectors.output_codes[plan.output_name]).astype(np.int64)
    x = x.reshape(x.shape[0], -1)[:, plan.input.perm]
    y = y.reshape(y.shape[0], -1)[:, plan.output.perm]
    return {"_generated": banner(), "inputs": x.tolist(), "expected": y.tolist()}


def write_project(
    qgraph: Graph, schedule: Any, board: Any, vectors: Any, out_dir: str | Path
) -> list[Path]:
    """Write the RTL project of `qgraph` scheduled as `schedule` into `out_dir`; returns the files."""
    out = Path(out_dir)
    plan = build_plan(qgraph, schedule)
    files: list[Path] = []

    def put(rel: str, text: str) -> None:
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files.append(path)

    modules = modules_used(plan.units) + [AXIL_MODULE]
    for module in modules:
        put(
            f"{module}.v",
            f"// {banner()} (copy of fpgaforge/rtl/verilog/{module}.v)\n" + library_source(module),
        )
    put(
        "ff_lint.vlt",
        (VERILOG_DIR / "ff_lint.vlt")
        .read_text()
        .replace("`verilator_config\n", f"`verilator_config\n// {banner()}\n", 1),
    )
    put(f"{plan.top}.v", render_top(plan, qgraph.name))
    for unit in plan.units:
        for rel, words in sorted(unit.mems.items()):
            put(rel, f"// {banner()}\n" + "\n".join(words) + "\n")
    sources = [f"{m}.v" for m in modules] + [f"{plan.top}.v"]
    put("filelist.f", f"// {banner()}\n" + "\n".join(sources) + "\n")
    put("tb/test_top.py", render_testbench(plan))
    put("tb/vectors.json", json.dumps(stream_vectors(plan, vectors), separators=(",", ":")) + "\n")
    report = schedule.report
    project = {
        "_generated": banner(),
        "schema": PROJECT_SCHEMA,
        "model": str(qgraph.name),
        "board": str(board if isinstance(board, str) else getattr(board, "name", schedule.board)),
        "top": plan.top,
        "sources": sources,
        "waivers": "ff_lint.vlt",
        "clock_mhz": schedule.clock_mhz,
        "input": {
            "lanes": plan.input.lanes,
            "width": plan.input.width,
            "signed": plan.input.signed,
            "elements": plan.in_elements,
        },
        "output": {
            "lanes": plan.output.lanes,
            "width": plan.output.width,
            "signed": plan.output.signed,
            "elements": plan.out_elements,
        },
        "units": [
            {
                "inst": u.inst,
                "module": u.module,
                "stage": comment_safe(u.stage, 200),
                "params": {k: param_value(v) for k, v in u.params.items()},
                **({"contents": dict(u.contents)} if u.contents else {}),
            }
            for u in plan.units
        ],
        "control": control_instance(plan),
        "estimate": {
            "latency_cycles": report.latency_cycles,
            "interval_cycles": report.interval_cycles,
            "stages": plan.stage_estimates,
            "resources": {
                k: float(report.total.resources[k]) for k in ("dsp", "lut", "ff", "bram")
            },
        },
    }
    put("project.json", json.dumps(project, indent=2, sort_keys=True) + "\n")
    return files


__all__ = ["PROJECT_SCHEMA", "rtl_dir", "stream_vectors", "write_project"]
