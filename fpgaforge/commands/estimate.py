"""`fpgaforge estimate MODEL --board B --quant SPEC`: schedule a model and print its estimates."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from fpgaforge.cli import add_input_shape_option, parse_input_shapes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "estimate",
        help="schedule a model on a board and estimate throughput, latency, resources and energy",
    )
    parser.add_argument("model", help="an ONNX file")
    parser.add_argument(
        "--board", required=True, help="board name (see `fpgaforge boards`) or a board YAML file"
    )
    parser.add_argument(
        "--quant",
        default="int8",
        help="quantization spec: fixed:W,I, fixed:W, intN, wXaY (default int8)",
    )
    parser.add_argument(
        "--calib",
        metavar="DATA.npz",
        help="calibration inputs (arrays named like the model inputs)",
    )
    parser.add_argument("--mode", choices=("auto", "streaming", "tiled"), default="auto")
    parser.add_argument(
        "--target-fps",
        type=float,
        help="find the cheapest schedule reaching this many inferences/s",
    )
    parser.add_argument("--clock-mhz", type=float, help="fabric clock (default: the board's)")
    parser.add_argument(
        "--tiled-weights",
        choices=("dram", "onchip"),
        default="dram",
        help="where a tiled engine keeps its weights: streamed from DRAM or in an on-chip ROM "
        "(default: dram)",
    )
    add_input_shape_option(parser)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of tables"
    )
    parser.add_argument(
        "-o", "--output", metavar="SCHEDULE.json", help="also write the replayable schedule"
    )
    parser.set_defaults(handler=run)


def estimate(args: argparse.Namespace, status: Any = None) -> tuple[Any, dict[str, Any]]:
    """Load, quantize and schedule; returns (schedule, the JSON-ready result)."""
    from fpgaforge.dataflow import schedule
    from fpgaforge.dataflow.quantspec import quantize_for_estimate
    from fpgaforge.frontend import load
    from fpgaforge.quant.calibrate import load_calibration

    def step(text: str) -> None:
        if status is not None:
            status.update(text)

    step("loading the model")
    graph = load(args.model, parse_input_shapes(args.input_shape))
    step(f"quantizing ({args.quant})")
    calibration = load_calibration(args.calib, graph) if args.calib else None
    qgraph, how = quantize_for_estimate(graph, args.quant, calibration)
    step(f"scheduling on {args.board}")
    sched = schedule(
        qgraph,
        args.board,
        mode=args.mode,
        target_fps=args.target_fps,
        clock_mhz=args.clock_mhz,
        tiled_weights=getattr(args, "tiled_weights", "dram"),
    )
    return sched, result_dict(sched, args.model, args.quant, how)


def result_dict(sched: Any, model: str, quant: str, how: str = "calibrated") -> dict[str, Any]:
    """The `--json` object: throughput, latency_s, clock_mhz, mode, resources, power_w,
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


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    if abs(x) >= 1e5 or abs(x) < 1e-2:
        return f"{x:.3g}"
    return f"{x:,.1f}" if x != int(x) else f"{int(x):,}"


def _si(x: float, unit: str) -> str:
    for factor, prefix in (
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
        (1, ""),
        (1e-3, "m"),
        (1e-6, "µ"),
        (1e-9, "n"),
    ):
        if abs(x) >= factor:
            return f"{x / factor:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}"


def print_result(console: Console, result: dict[str, Any]) -> None:
    """Per-layer table and totals."""
    table = Table(
        title=f"{escape(result['model'])} on {result['board']} ({result['quant']}, {result['mode']}, "
        f"{result['clock_mhz']:g} MHz)",
        title_justify="left",
    )
    for column in (
        "stage",
        "template",
        "folding",
        "cycles",
        "II",
        "bound",
        "DSP",
        "LUT",
        "BRAM",
        "URAM",
        "MACs",
    ):
        table.add_column(
            column,
            justify="left" if column in ("stage", "template", "folding", "bound") else "right",
            overflow="fold",
        )
    for layer in result["layers"]:
        folding = " ".join(
            f"{k}={v}"
            for k, v in layer["folding"].items()
            if k in ("pe", "simd", "rows", "cols", "lanes", "vector_lanes", "weight_mem")
            and v != "auto"
        )
        res = layer["resources"]
        table.add_row(
            escape(layer["name"]),
            layer["kind"],
            escape(folding),
            _fmt(layer["cycles"]),
            _fmt(layer["ii"]),
            layer["bound"],
            _fmt(res["dsp"]),
            _fmt(res["lut"]),
            _fmt(res["bram"]),
            _fmt(res["uram"]),
            _fmt(layer["macs"]),
        )
    console.print(table)
    res = Table(title="resources", title_justify="left")
    for column in ("kind", "used", "usable", "available", "% of device"):
        res.add_column(column, justify="right")
    for kind in ("dsp", "lut", "ff", "bram", "uram"):
        r = result["resources"][kind]
        res.add_row(
            kind.upper(),
            _fmt(r["used"]),
            _fmt(r["usable"]),
            _fmt(r["available"]),
            f"{r['percent']:.1f}",
        )
    console.print(res)
    console.print(
        f"throughput {_fmt(result['throughput'])} inferences/s, latency {_si(result['latency_s'], 's')}, "
        f"{result['bound']}-bound; power {result['power_w']:.2f} W "
        f"(static {result['static_w']:.2f} W), energy {_si(result['energy_per_inference_j'], 'J')} per inference"
    )
    for note in result["notes"]:
        console.print(f"note: {escape(note)}", highlight=False)


def run(args: argparse.Namespace, console: Console) -> int:
    if args.json:
        sched, result = estimate(args)
        print(json.dumps(result, indent=2, sort_keys=True))
    else:
        err = Console(stderr=True)
        with (
            err.status("estimating", spinner="dots")
            if sys.stderr.isatty()
            else _nullstatus() as status
        ):
            sched, result = estimate(args, status)
        print_result(console, result)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(sched.to_json())
    return 0


class _nullstatus:  # noqa: N801 - a stand-in for rich's status context
    def __enter__(self) -> _nullstatus:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, text: str) -> None:
        return None
