"""The RTL project of a LightMamba decode step (`fpgaforge build ... --backend rtl|both` on a
Mamba-2 decode step) and its cycle estimate.

`rtl/` holds the generated top (`mamba_top.v`), the library modules it instantiates, the
ROM images (`mem/`), the cocotb bench (`tb/test_top.py`, the tokens and expected codes in
`tb/vectors.json`) and `project.json` (mode `decode`; `fpgaforge rtlsim` runs the bench).

`rtl_cycles(plan)`: cycles per token of the generated top, phase by phase from the units'
cost models (which describe the RTL: tests/rtl/modules) plus the controller's one cycle
between phases; the bench measures the same count.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from fpgaforge.ir.graph import Graph
from fpgaforge.quant.lightmamba.decode import DecodeTrace
from fpgaforge.rtl.mamba import PHASE_GAP, MambaTopPlan, bench_spec, plan_decode_rtl, render_top
from fpgaforge.rtl.mamba import sources as top_sources

TOP = "mamba_top"


def _unit_cycles(ph: dict[str, Any], unit: dict[str, Any], ctx) -> int:
    """Cycles of one phase's unit from its first input beat to its last output beat."""
    from fpgaforge.units.causal_conv.cost import CausalConv
    from fpgaforge.units.eltwise.cost import Eltwise
    from fpgaforge.units.rmsnorm.cost import RMSNormUnit, TableAct

    p = unit.get("params", {})
    kind = ph["kind"]
    if kind == "rmsnorm":
        n = int(p["N"])
        est = RMSNormUnit(n, group=int(p["GROUP"]), gated=bool(p["GATED"]), lanes=int(p["LANES"]))
    elif kind == "table":
        est = TableAct(ph["out_beats"] * int(p["LANES"]), lanes=int(p["LANES"]))
    elif kind == "conv":
        est = CausalConv(int(p["LANES"]) * int(p["BEATS"]), int(p["K"]), lanes=int(p["LANES"]))
    elif kind == "add":
        n = ph["out_beats"] * int(p["LANES"])
        est = Eltwise("add", n, n, int(p["OUT_W"]), inputs=2, pe=int(p["LANES"]))
    elif kind == "gemv":
        from fpgaforge.units.pot_gemv.cost import PotGemv

        pe, simd = int(unit["pe"]), int(unit["simd"])
        rows, cols = ph["row_blocks"] * pe, ph["col_beats"] * simd
        est = PotGemv(rows, cols, lanes=pe * simd, simd=simd, w_group=ph["group_beats"] * simd)
        est = replace(est, port_bytes=est.beat_bytes)  # the ROM gives a beat a cycle
    elif kind == "hadamard":
        from fpgaforge.units.hadamard.cost import estimate_rtl

        return int(estimate_rtl(ctx, {k: v for k, v in p.items() if k != "H_FILE"}, 1).cycles)
    elif kind == "ssm":
        from fpgaforge.units.ssm_scan.step import SSMStep

        est = SSMStep.of_params(p)
    else:
        raise ValueError(kind)
    return int(est.estimate(ctx).cycles)


def rtl_cycles(plan: MambaTopPlan, board: str = "u280") -> dict[str, Any]:
    """Cycles per token of the generated top: per phase the unit's cycles (cost models) plus
    PHASE_GAP, the host phases one beat a cycle; the token counts from its first input
    beat to its last output beat."""
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext

    ctx = CostContext.of(view(board))
    units = {u["inst"]: u for u in plan.units}
    phases: dict[str, float] = {}
    total = 0
    for ph in plan.phases:
        if ph["kind"] in ("input", "output"):
            cycles = max(ph["in_beats"], ph["out_beats"])
        else:
            cycles = _unit_cycles(ph, units[ph["unit"]], ctx)
        key = f"{ph['kind']}"
        phases[key] = phases.get(key, 0.0) + cycles + PHASE_GAP
        total += cycles + PHASE_GAP
    return {
        "cycles_per_token": total - PHASE_GAP,  # the token ends with its last output beat
        "phase_cycles_per_token": phases,
        "phases": len(plan.phases),
        "note": "sequential phases over one code memory, one unit per node, one GEMV engine",
    }


def write_decode_rtl(
    qgraph: Graph, trace: DecodeTrace, out_dir: str | os.PathLike, model: str, board: str
) -> tuple[list[Path], dict[str, Any]]:
    """Write the RTL project of the decode step of `qgraph` into `out_dir` (its bench runs
    the tokens of `trace`); returns the files written and the top's cycle estimate."""
    from fpgaforge.rtl.generator import VERILOG_DIR, banner, environment

    plan = plan_decode_rtl(qgraph, TOP)
    out = Path(out_dir)
    for sub in ("mem", "tb"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for name, words in plan.mems.items():
        path = out / name
        path.write_text("".join(f"{w}\n" for w in words))
        files.append(path)
    top = out / f"{TOP}.v"
    top.write_text(render_top(plan, model))
    files.append(top)
    srcs = [top.name]
    for module in top_sources(plan):
        shutil.copy(VERILOG_DIR / f"{module}.v", out / f"{module}.v")
        files.append(out / f"{module}.v")
        srcs.append(f"{module}.v")
    shutil.copy(VERILOG_DIR / "ff_lint.vlt", out / "ff_lint.vlt")
    files.append(out / "ff_lint.vlt")
    spec = bench_spec(plan, trace)
    bench = out / "tb" / "test_top.py"
    bench.write_text(environment().get_template("test_mamba_top.py.j2").render(header=banner()))
    vec = out / "tb" / "vectors.json"
    vec.write_text(json.dumps(spec))
    est = rtl_cycles(plan, board)
    project = {
        "top": TOP,
        "mode": "decode",
        "sources": srcs,
        "input": {"lanes": spec["io_lanes"], "width": spec["io_w"]},
        "output": {"lanes": spec["io_lanes"], "width": spec["io_w"]},
        "estimate": {
            "latency_cycles": est["cycles_per_token"],
            "interval_cycles": est["cycles_per_token"] + 1,
        },
        "width": plan.width,
        "depth": plan.depth,
    }
    path = out / "project.json"
    path.write_text(json.dumps(project, indent=2, sort_keys=True) + "\n")
    files += [bench, vec, path]
    return files, est
