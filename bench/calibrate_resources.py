"""Calibrate the LUT/FF coefficients of the resource model against yosys synth_xilinx (xcup).

    python bench/calibrate_resources.py            # build + synthesize, then fit
    python bench/calibrate_resources.py --fit-only # refit the recorded data

Builds the bundled example models for ultra96v2 (xczu3eg, DSP48E2) at a few quantizations
and target frame rates (which set the PE/SIMD foldings), synthesizes each generated RTL
project with `fpgaforge.rtl.synth.synthesize(..., "xcup")` and records, per design, the
parameters, the yosys LUT/FF/DSP/BRAM/carry counts and the scheduler's estimate into
`fpgaforge/rtl/data/calibration_xcup.json`. Then it fits by least squares

    LUT_yosys = lut.stage_control * stages + s_lut * LUT_datapath
    FF_yosys  = ff.stage_control  * stages + ff.per_lut * LUT_datapath + ff.per_dsp * DSP

where `stages` is the number of scheduled stages (each adds `control()` once) and
LUT_datapath = LUT_estimate - stages * lut.stage_control (the current coefficient) is the
estimate's LUTs without stage control. It prints the coefficients and the residuals; the
numbers are copied into fpgaforge/dataflow/data/resource_model.yaml by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import nnls

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "fpgaforge" / "rtl" / "data" / "calibration_xcup.json"
MODELS = ROOT / "examples" / "models"
BOARD = "ultra96v2"
#: (model, quant, target fps): small foldings first; the 200 MHz default folds are too big to
#: synthesize quickly (PE 4 x SIMD 64 single-cycle MAC trees).
DESIGNS: list[tuple[str, str, int]] = [
    ("digits_mlp", "int8", 1000),
    ("digits_mlp", "int8", 100000),
    ("digits_mlp", "fixed:8,3", 100000),
    ("digits_mlp", "int4", 100000),
    ("digits_mlp", "int8", 400000),
    ("digits_cnn", "int8", 1000),
    ("digits_cnn", "int4", 1000),
]


def design_name(model: str, quant: str, fps: int) -> str:
    """A folder-safe name of one calibration design."""
    return f"{model}_{quant.replace(':', '').replace(',', '_')}_fps{fps}"


def build_and_synth(work: Path, model: str, quant: str, fps: int, timeout: float) -> dict:
    """Build one design for the calibration board and synthesize it for xcup."""
    from fpgaforge.rtl.synth import synthesize

    out = work / design_name(model, quant, fps)
    cmd = [
        sys.executable,
        "-m",
        "fpgaforge.cli",
        "build",
        str(MODELS / f"{model}.onnx"),
        "--board",
        BOARD,
        "--quant",
        quant,
        "--backend",
        "rtl",
        "--target-fps",
        str(fps),
        "--force",
        "-o",
        str(out),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    report = synthesize(out, "xcup", pnr=False, timeout=timeout)
    stages = report["estimate"]["stages"]
    return {
        "design": out.name,
        "parameters": {
            "model": model,
            "quant": quant,
            "board": BOARD,
            "target_fps": fps,
            "foldings": [{"name": s["name"], "kind": s["kind"], **s["folding"]} for s in stages],
        },
        "yosys": {k: v["yosys"] for k, v in report["resources"].items()},
        "estimate": report["estimate"]["total"],
        "stages": len(stages),
        "yosys_version": report["yosys"]["kind"],
        "seconds": report["yosys"]["seconds"],
    }


def fit(records: list[dict[str, Any]], stage_control_lut: float) -> dict[str, Any]:
    """Least-squares fit of the LUT and FF coefficients; coefficients and residuals."""
    n = np.array([r["stages"] for r in records], dtype=float)
    lut_est = np.array([r["estimate"]["lut"] for r in records], dtype=float)
    dsp = np.array([r["yosys"]["dsp"] for r in records], dtype=float)
    lut_y = np.array([r["yosys"]["lut"] for r in records], dtype=float)
    ff_y = np.array([r["yosys"]["ff"] for r in records], dtype=float)
    datapath = lut_est - n * stage_control_lut

    # Few, similar designs: keep the datapath scale at 1 and fit only the per-stage LUT
    # offset; fit FF as stage control + per datapath LUT (non-negative), keep ff.per_dsp.
    a_lut = np.stack([n, datapath], axis=1)
    c_lut = np.array([float(np.mean((lut_y - datapath) / n)), 1.0])
    per_dsp = 20.0
    a_ff = np.stack([n, datapath, dsp], axis=1)
    c_ff = np.array([0.0, 0.0, per_dsp])
    c_ff[:2] = nnls(a_ff[:, :2], ff_y - dsp * per_dsp)[0]
    lut_fit = a_lut @ c_lut
    ff_fit = a_ff @ c_ff

    def rel(pred: np.ndarray, y: np.ndarray) -> list[float]:
        return [round(float(v), 3) for v in (pred - y) / np.maximum(y, 1.0)]

    return {
        "lut": {
            "stage_control": round(float(c_lut[0]), 1),
            "datapath_scale": round(float(c_lut[1]), 3),
            "relative_residuals": rel(lut_fit, lut_y),
            "rms_relative": round(float(np.sqrt(np.mean(((lut_fit - lut_y) / lut_y) ** 2))), 3),
        },
        "ff": {
            "stage_control": round(float(c_ff[0]), 1),
            "per_lut": round(float(c_ff[1]), 3),
            "per_dsp": round(float(c_ff[2]), 2),
            "relative_residuals": rel(ff_fit, ff_y),
            "rms_relative": round(float(np.sqrt(np.mean(((ff_fit - ff_y) / ff_y) ** 2))), 3),
        },
        "before": {
            "lut_ratio_yosys_over_estimate": [round(float(v), 3) for v in lut_y / lut_est],
        },
    }


def main() -> int:
    """Regenerate the calibration data (unless --fit-only) and print the fit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-only", action="store_true", help="refit the recorded data")
    parser.add_argument("--work", type=Path, default=Path("/tmp/fpgaforge_calibration"))
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--stage-control-lut",
        type=float,
        default=150.0,
        help="lut.stage_control the estimates were made with (to separate control from datapath)",
    )
    args = parser.parse_args()
    if args.fit_only:
        data = json.loads(DATA.read_text())
        records = data["records"]
    else:
        records = []
        args.work.mkdir(parents=True, exist_ok=True)
        for model, quant, fps in DESIGNS:
            rec = build_and_synth(args.work, model, quant, fps, args.timeout)
            print(json.dumps(rec), flush=True)
            records.append(rec)
        data = {
            "schema": "fpgaforge.calibration/1",
            "family": "xcup",
            "date": datetime.date.today().isoformat(),
            "stage_control_lut_used": args.stage_control_lut,
            "records": records,
        }
    result = fit(records, float(data.get("stage_control_lut_used", args.stage_control_lut)))
    data["fit"] = result
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
