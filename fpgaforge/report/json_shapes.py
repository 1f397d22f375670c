"""The JSON the commands print with `--json` (and write with `-o`), and how they print it.

One function per result: it takes the library's result and returns the
JSON-ready value (or, for the DSE file, the text). Where the shape is built
below this layer (the DSE record in `dataflow.dse`, the synthesis report in
`rtl.synth`, the simulation result's `to_dict`), the function here is the one
place the commands take it from.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console

from fpgaforge.dataflow.dse import to_json


def estimate(sched: Any, model: str, quant: str, how: str = "calibrated") -> dict[str, Any]:
    """The `estimate --json` object: throughput, latency_s, clock_mhz, mode, resources, power_w,
    energy_per_inference_j, layers, plus board, model, quant, bound and notes."""
    r = sched.report
    notes = list(r.notes)
    if how == "default calibration":
        notes.append(
            "No --calib given: quantization ranges come from the default calibration (uniform [-1, 1])."
        )
    return {
        "model": model,
        "board": sched.board,
        "quant": quant,
        "mode": sched.mode,
        "clock_mhz": sched.clock_mhz,
        "throughput": r.throughput,
        "latency_s": r.latency_s,
        "bound": r.bound,
        "resources": r.resources,
        "power_w": r.power_w,
        "static_w": r.static_w,
        "dynamic_w": r.dynamic_w,
        "energy_per_inference_j": r.energy_per_inference_j,
        "macs": r.total.macs,
        "offchip_bytes": r.total.offchip_bytes,
        "engine": sched.engine,
        "layers": [layer.to_dict() for layer in r.layers],
        "notes": notes,
    }


def dse(result: dict[str, Any]) -> str:
    """The `dse -o` file: every point and the Pareto front, sorted keys, no timestamps."""
    return to_json(result)


def synth(report: dict[str, Any]) -> dict[str, Any]:
    """The `synth --json` object: the synthesis report as `rtl.synth.synthesize` returns it."""
    return report


def rtlsim(result: Any) -> dict[str, Any]:
    """The `rtlsim --json` object: the simulation result with `passed` and its mismatch detail."""
    return result.to_dict()


def quantize(rows: list[Any]) -> list[dict[str, Any]]:
    """The `quantize --json` list: one record per tensor; an infinite SQNR (exact) becomes null."""
    return [{**r.__dict__, "sqnr_db": None if math.isinf(r.sqnr_db) else r.sqnr_db} for r in rows]


def inspect(summary: Any) -> dict[str, Any]:
    """The `inspect --json` object: the graph summary."""
    return summary.to_dict()


def boards(known: list[Any]) -> list[dict[str, Any]]:
    """The `boards --json` list: every board's data."""
    return [b.to_dict() for b in known]


def board(item: Any) -> dict[str, Any]:
    """The `boards NAME --json` object: one board's data."""
    return item.to_dict()


def print_plain(data: Any, *, sort_keys: bool = False) -> None:
    """Print JSON with two-space indents on stdout (estimate, inspect, quantize, boards)."""
    print(json.dumps(data, indent=2, sort_keys=sort_keys))


def print_rich(console: Console, data: Any) -> None:
    """Print JSON through rich's `print_json` (synth, rtlsim)."""
    console.print_json(json.dumps(data))


def compare(result: dict[str, Any]) -> str:
    """The `compare --json` text (and its `-o` file): every row, sorted keys, no timestamps."""
    return json.dumps(result, indent=2, sort_keys=True, allow_nan=True)
