"""The resource estimate of a generated RTL design, as yosys should see it.

The schedule's total sums every stage's template, stream glue (forks, width converters,
skip FIFOs) included. The generated top differs in two ways: a graph-input Quantize runs
on the host (its stage has no unit), and the top adds the AXI4-Lite control/status
registers with the output-beat counter (`resource_model.control_interface`).
`design_estimate` is the stages that have units plus that control interface; `fpgaforge
synth` and `bench/calibrate_resources.py` compare yosys with it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlProjectError
from fpgaforge.rtl.naming import comment_safe

KEYS = ("lut", "ff", "dsp", "bram")


def top_units(rtl: Path) -> list[dict[str, Any]]:
    """The `ff_*` instances of the generated top as `project.json` lists them (the planner's
    `units`, then the `control` register block): module, instance, stage, parameters (ints,
    file names as strings) and `contents`, what the resource model reads from the unit's ROM
    images (empty for most units; `terms_params` merges it with the parameters)."""
    path = rtl / "project.json"
    project = json.loads(path.read_text())
    units = [*(project.get("units") or []), *([project["control"]] if "control" in project else [])]
    if "control" not in project or any("params" not in u for u in units):
        raise RtlProjectError(
            f"'{path}' lists its units without their parameters (an older fpgaforge wrote it); "
            "rebuild the project."
        )
    return [
        {
            "inst": u["inst"],
            "module": u["module"],
            "stage": u["stage"],
            "params": u["params"],
            "contents": u.get("contents", {}),
        }
        for u in units
    ]


def terms_params(unit: dict[str, Any]) -> dict[str, Any]:
    """The parameters a unit's resource terms take: its Verilog parameters and the summary of
    its ROM contents (`top_units`)."""
    return {**unit["params"], **unit.get("contents", {})}


def contents_delta(unit: dict[str, Any]) -> tuple[float, float]:
    """(LUTs, FFs) the ROM contents of a unit change in its resource terms (negative when
    constant or repeated table bits and folded requant lanes make it smaller): the terms
    with the contents less the terms without them, zeros for a unit without contents. The
    schedule prices a stage before its ROM images exist; the generated top knows them."""
    from fpgaforge.units.cost import resource_model as rm

    if not unit.get("contents"):
        return 0.0, 0.0
    seen = rm.rtl_unit(unit["module"], terms_params(unit))
    plain = rm.rtl_unit(unit["module"], unit["params"])
    return seen[0] - plain[0], seen[1] - plain[1]


def contents_lut(unit: dict[str, Any]) -> float:
    """The LUTs of `contents_delta`."""
    return contents_delta(unit)[0]


def contents_ff(unit: dict[str, Any]) -> float:
    """The FFs of `contents_delta` (the table registers of the live bits only)."""
    return contents_delta(unit)[1]


def design_estimate(
    stages: list[dict[str, Any]],
    units: list[dict[str, Any]],
    schedule_total: dict[str, float] | None = None,
) -> dict[str, Any]:
    """LUT / FF / DSP / BRAM of the stages that have units plus the top's glue, the LUTs and
    FFs corrected by what the units' ROM contents change (`contents_delta`).

    stages: per-stage `{"name", "resources": {lut, ff, dsp, bram}}` (the schedule's);
    units: `top_units` of the generated top; schedule_total: the schedule's total, used for
    a tiled top (its one engine unit stands for the whole schedule). Returns the totals, the
    glue, the contents' LUT and FF corrections and the names of the stages without a unit."""
    from fpgaforge.units.cost import resource_model as rm

    with_units = {u["stage"] for u in units}
    if any(u["module"] == "ff_tiled_gemm" for u in units):
        placed = list(stages)
        total = {k: float((schedule_total or {}).get(k, 0.0)) for k in KEYS}
    else:
        placed = [s for s in stages if comment_safe(str(s["name"]), 200) in with_units]
        total = {k: sum(float(s["resources"].get(k, 0.0)) for s in placed) for k in KEYS}
    # stream glue (forks, width converters, skip FIFOs) are stages of the schedule, placed
    # above like any other; only the top's control interface is outside every stage
    glue_lut, glue_ff = rm.control_interface()
    placed_names = {comment_safe(str(s["name"]), 200) for s in placed}
    deltas = [contents_delta(u) for u in units if u["stage"] in placed_names]
    contents, contents_regs = sum(d[0] for d in deltas), sum(d[1] for d in deltas)
    total["lut"] += glue_lut + contents
    total["ff"] += glue_ff + contents_regs
    return {
        "total": {k: round(v, 1) for k, v in total.items()},
        "glue": {"lut": round(glue_lut, 1), "ff": round(glue_ff, 1)},
        "contents_lut": round(contents, 1),
        "contents_ff": round(contents_regs, 1),
        "stages_without_unit": [s["name"] for s in stages if s not in placed],
    }
