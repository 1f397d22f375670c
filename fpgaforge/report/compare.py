"""`fpgaforge compare`: one row per target, FPGA boards x precisions next to the CPU and GPU.

    result = compare("model.onnx", ["ultra96v2", "zcu104"], ["int8", "fixed:8,3"], cpu=True)

FPGA rows are the scheduler's estimates (`estimated`); the CPU rows are measured here with
onnxruntime (`fpgaforge.baselines.cpu`); GPU rows are measured with torch on CUDA when a
GPU is present, else modeled from datasheets (`fpgaforge.baselines.gpu`). Every row has a
`provenance` per figure. The result also keeps, per board and precision, the per-layer
estimates and roofline points, and per precision the per-layer SQNR, for the HTML report.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from fpgaforge.baselines.workload import workload
from fpgaforge.dataflow.pareto import pareto_front
from fpgaforge.errors import UsageError
from fpgaforge.units.cost.hardware import KINDS

SCHEMA = "fpgaforge.compare/1"
PARETO_OBJECTIVES = (
    ("throughput", "max"),
    ("energy_per_inference_j", "min"),
    ("resource_fraction", "min"),
)
Step = Callable[[str], None]


def check_boards(names: Sequence[str]) -> None:
    """Every name is a known board (the board package's sentence otherwise)."""
    from fpgaforge import boards

    if not names:
        raise UsageError("--boards names no board; give e.g. --boards ultra96v2,zcu104.")
    for name in names:
        boards.get(name)


def fpga_entry(sched: Any, model: str, quant: str, how: str) -> tuple[dict, dict]:
    """The comparison row of one schedule, and its detail (layers, resources, roofline)."""
    from fpgaforge.dataflow.roofline import roofline
    from fpgaforge.report import json_shapes
    from fpgaforge.units.cost.hardware import view

    est = json_shapes.estimate(sched, model, quant, how)
    r = sched.report
    fractions = [
        r.resources[k]["used"] / r.resources[k]["usable"]
        if r.resources[k]["usable"]
        else (0.0 if r.resources[k]["used"] == 0 else math.inf)
        for k in KINDS
    ]
    board = view(sched.board)
    row = {
        "kind": "fpga",
        "target": sched.board,
        "device": board_part(sched.board),
        "precision": quant,
        "runtime": f"fpgaforge estimate ({sched.mode}, {sched.clock_mhz:g} MHz)",
        "batch": 1,
        "throughput": r.throughput,
        "latency_s": r.latency_s,
        "power_w": r.power_w,
        "energy_per_inference_j": r.energy_per_inference_j,
        "resources": {k: r.resources[k]["used"] for k in KINDS},
        "resource_fraction": max(fractions),
        "bound": r.bound,
        "provenance": dict.fromkeys(
            ("throughput", "latency", "power", "energy", "resources"), "estimated"
        ),
        "notes": list(est["notes"]),
    }
    detail = {
        "board": sched.board,
        "quant": quant,
        "mode": sched.mode,
        "clock_mhz": sched.clock_mhz,
        "bandwidth_bytes_per_s": board.bandwidth,
        "dsp_roof_ops": 2.0 * board.usable["dsp"] * sched.clock_mhz * 1e6,
        "layers": est["layers"],
        "resources": est["resources"],
        "roofline": [p.__dict__ for p in roofline(sched)],
    }
    return row, detail


def board_part(name: str) -> str:
    """The FPGA part of a board (`xczu3eg-sbva484-1-i`), or the name when it has none."""
    from fpgaforge import boards

    try:
        return boards.get(name).part or name
    except Exception:  # a schedule read back from a build made with a board file since gone
        return name


def sqnr_rows(graph: Any, qgraph: Any, feeds: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    """Per-tensor SQNR of the quantized graph against the float one (null where exact)."""
    from fpgaforge.quant.report import layer_errors

    return [
        {
            "tensor": e.tensor,
            "node": e.node,
            "op": e.op,
            "dtype": e.dtype,
            "sqnr_db": None if math.isinf(e.sqnr_db) else e.sqnr_db,
            "max_abs_error": e.max_abs_error,
        }
        for e in layer_errors(graph, qgraph, feeds)
    ]


def mark_pareto(rows: list[dict[str, Any]]) -> list[int]:
    """Mark the FPGA rows on the Pareto front (throughput up, energy and resources down)."""
    fpga = [i for i, r in enumerate(rows) if r["kind"] == "fpga"]
    objectives = [((lambda p, k=k: p[k]), sense) for k, sense in PARETO_OBJECTIVES]
    front = [fpga[i] for i in pareto_front([rows[i] for i in fpga], objectives)]
    for i in fpga:
        rows[i]["pareto"] = i in front
    return front


def compare(
    model: str,
    boards: Sequence[str],
    quants: Sequence[str],
    *,
    calibration_path: str | None = None,
    input_shapes: Mapping[str, tuple[int, ...]] | None = None,
    cpu: bool = False,
    gpu: bool = False,
    gpu_models: Sequence[str] | None = None,
    batch: int = 64,
    budget_s: float = 2.0,
    step: Step | None = None,
) -> dict[str, Any]:
    """Estimate every board x precision, then measure or model the CPU and GPU rows (a
    built-in Mamba-2 configuration compares per token: `report.compare_mamba`)."""
    from fpgaforge.baselines import gpu as gpu_baseline
    from fpgaforge.dataflow import schedule
    from fpgaforge.dataflow.quantspec import quantize_for_estimate
    from fpgaforge.frontend import load
    from fpgaforge.quant.calibrate import default_calibration, load_calibration

    say = step or (lambda text: None)
    check_boards(boards)
    if batch < 1:
        raise UsageError(f"--batch must be a positive number, got {batch}.")
    for name in gpu_models or ():
        gpu_baseline.gpu(name)  # an unknown GPU fails before any work
    say("loading the model")
    graph = load(model, dict(input_shapes or {}))
    calibration = load_calibration(calibration_path, graph) if calibration_path else None
    feeds = calibration if calibration is not None else default_calibration(graph, samples=8)
    name = os.path.basename(model)
    rows: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    sqnr: dict[str, list[dict[str, Any]]] = {}
    for quant in quants:
        say(f"quantizing ({quant})")
        qgraph, how = quantize_for_estimate(graph, quant, calibration)
        sqnr[quant] = sqnr_rows(graph, qgraph, feeds)
        for board in boards:
            say(f"scheduling {quant} on {board}")
            row, detail = fpga_entry(schedule(qgraph, board), name, quant, how)
            rows.append(row)
            details.append(detail)
    mark_pareto(rows)
    work = workload(graph)
    if cpu:
        from fpgaforge.baselines.cpu import measure_cpu

        rows += measure_cpu(model, calibration, batch=batch, budget_s=budget_s, step=say)
    if gpu or gpu_models:
        rows += gpu_baseline.gpu_rows(
            model, work, list(gpu_models or []), batch=batch, budget_s=budget_s, step=say
        )
    return {
        "schema": SCHEMA,
        "model": name,
        "workload": work.to_dict(),
        "boards": list(boards),
        "quants": list(quants),
        "batch": batch,
        "rows": rows,
        "fpga": details,
        "sqnr": sqnr,
        "objectives": [{"name": k, "sense": s} for k, s in PARETO_OBJECTIVES],
    }
