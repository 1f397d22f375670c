"""Calibrate the resource model against yosys synth_xilinx (xcup), per RTL unit.

    python bench/calibrate_resources.py                 # build + synthesize, then fit
    python bench/calibrate_resources.py --only cnn      # resynthesize designs matching 'cnn'
    python bench/calibrate_resources.py --fit-only      # refit the recorded data
    python bench/calibrate_resources.py --reestimate    # rebuild (no synthesis): new estimates

Builds the bundled example models for ultra96v2 (xczu3eg, DSP48E2) at several quantizations
and foldings (a target frame rate, optionally with some stages' PE/SIMD set by hand), then

1. synthesizes each generated RTL project as a whole (`fpgaforge.rtl.synth.synthesize`, the
   numbers `fpgaforge synth` prints), and
2. synthesizes every unit of its top (each `ff_*` instance with its parameters and memory
   images, flattened, as its own top) so the cost can be split by unit kind: MAC array
   (`ff_mvau`), sliding window (`ff_swu`), input FIFO (`ff_fifo`), pooling (`ff_pool`), width
   converters (`ff_dwc`), requant stages (`ff_rqstage`), control registers (`ff_axil_regs`).

Every record (`fpgaforge/rtl/data/calibration_xcup.json`) holds the design's parameters, the
yosys totals, the scheduler's estimate (total and per stage), and the units with their
parameters and yosys counts. LUT counts here count LUT RAM primitives at the LUTs they
occupy (UG574: RAM64M8 / RAM32M16 = 8, RAM64M / RAM32M = 4, RAM64X1D = 2, ...).

The fit (`fit`) explains each unit kind with the structural counts the cost models use
(`fpgaforge.units.cost.resource_model.rtl_unit_terms`): registers are counted from the RTL (they
are exact up to bits yosys proves constant), LUTs are least-squares coefficients per
structural term (adder bits, requant lanes, frame-register mux bits, ...). The fitted
numbers are copied into fpgaforge/units/cost/data/resource_model.yaml by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fpgaforge.rtl.design_estimate import top_units

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT / "fpgaforge" / "rtl" / "data" / "calibration_xcup.json"
MODELS = ROOT / "examples" / "models"
BOARD = "ultra96v2"


@dataclass(frozen=True)
class Design:
    """One calibration design: a model, a quantization, a target frame rate (the scheduler's
    folding) and optional hand-set foldings {stage index: (pe, simd)}, the index counting
    the graph's stages (not the stream glue)."""

    model: str
    quant: str
    fps: int
    folding: tuple[tuple[int, int, int], ...] = ()
    tag: str = ""

    @property
    def name(self) -> str:
        base = f"{self.model}_{self.quant.replace(':', '').replace(',', '_')}_fps{self.fps}"
        return f"{base}_{self.tag}" if self.tag else base


#: small foldings: the 200 MHz defaults (PE 4 x SIMD 64 single-cycle MAC trees) take too
#: long to synthesize. `pe2` designs set PE 2 by hand (packed INT8 products on DSP48E2).
DESIGNS: list[Design] = [
    Design("digits_mlp", "int8", 1000),
    Design("digits_mlp", "int8", 100000),
    Design("digits_mlp", "fixed:8,3", 100000),
    Design("digits_mlp", "int4", 100000),
    Design("digits_mlp", "int8", 400000),
    Design("digits_mlp", "int8", 100000, ((1, 2, 4), (2, 2, 2), (3, 2, 1)), "pe2"),
    Design("digits_cnn", "int8", 1000),
    Design("digits_cnn", "int4", 1000),
    Design("digits_cnn", "int8", 50000),
    Design("digits_cnn", "fixed:8,3", 20000),
]


def classify(cells: dict[str, int]) -> dict[str, float]:
    """LUT (LUT RAM at its LUT count), FF, DSP, BRAM (36 Kb units) and carry of yosys cells."""
    from fpgaforge.rtl.synth import LUT_WEIGHTS
    from fpgaforge.rtl.synth import classify as tool_classify

    out = tool_classify(cells, "xcup")
    out["lutram"] = float(sum(n * LUT_WEIGHTS[c] for c, n in cells.items() if c in LUT_WEIGHTS))
    return out


def build(design: Design, work: Path) -> Path:
    """Build `design` for the calibration board (RTL backend); returns the project folder."""
    from fpgaforge.dataflow.scheduler import replay
    from fpgaforge.flow import build as flow_build
    from fpgaforge.rtl import write_project
    from fpgaforge.sim.vectors import make_vectors

    out = work / design.name
    result = flow_build(
        MODELS / f"{design.model}.onnx",
        BOARD,
        design.quant,
        out,
        backend="rtl",
        target_fps=design.fps,
        vectors=4,
        force=True,
    )
    if design.folding:
        data = json.loads(result.schedule.to_json())
        # indices count the graph's stages (the stream glue between them is rescheduled)
        graph_stages = [st for st in data["stages"] if not st.get("glue")]
        for index, pe, simd in design.folding:
            graph_stages[index]["folding"].update({"pe": pe, "simd": simd})
        sched = replay(result.qgraph, json.dumps(data), reglue=True)
        (out / "schedule.json").write_text(sched.to_json() + "\n")
        shutil.rmtree(out / "rtl")
        write_project(
            result.qgraph, sched, BOARD, make_vectors(result.qgraph, None, count=4), out / "rtl"
        )
    return out


def _deps(rtl: Path, module: str) -> list[str]:
    """Source files `module` needs (its submodules first)."""
    text = (rtl / f"{module}.v").read_text()
    files: list[str] = []
    for sub in sorted(set(re.findall(r"\b(ff_\w+)\s+#\(", text)) - {module}):
        files += _deps(rtl, sub)
    return list(dict.fromkeys([*files, f"{module}.v"]))


def synth_units(rtl: Path, units: list[dict[str, Any]], timeout: float) -> None:
    """Synthesize every unit as its own flattened top (one yosys run); adds `yosys` to each."""
    from fpgaforge.rtl.synth import find_yosys, run_tool

    work = rtl / "synth" / "units"
    work.mkdir(parents=True, exist_ok=True)
    lines = []
    for unit in units:
        sets = " ".join(
            f'-set {k} "{v}"' if isinstance(v, str) else f"-set {k} {v}"
            for k, v in unit["params"].items()
        )
        lines += [
            "design -reset",
            f"read_verilog -defer {' '.join(_deps(rtl, unit['module']))}",
            *([f"chparam {sets} $abstract\\{unit['module']}"] if sets else []),
            "hierarchy -auto-top",
            "synth_xilinx -family xcup -flatten -noiopad",
            f"tee -q -o synth/units/{unit['inst']}.json stat -json",
        ]
    (work / "units.ys").write_text("\n".join(lines) + "\n")
    _, yosys = find_yosys()
    code = run_tool(
        [yosys, "-q", "-s", "synth/units/units.ys"],
        cwd=rtl,
        log=work / "yosys.log",
        timeout=timeout,
        what="yosys (units)",
    )
    if code != 0:
        raise RuntimeError(f"yosys failed on the units of {rtl}; see {work / 'yosys.log'}")
    from fpgaforge.rtl.synth import cell_counts

    for unit in units:
        cells = cell_counts(json.loads((work / f"{unit['inst']}.json").read_text()))
        unit["cells"] = dict(sorted(cells.items()))
        unit["yosys"] = classify(cells)


def measure(design: Design, work: Path, timeout: float) -> dict[str, Any]:
    """Build, synthesize (whole and per unit) and describe one design."""
    from fpgaforge.rtl.synth import synthesize

    out = build(design, work)
    started = time.monotonic()
    report = synthesize(out, "xcup", pnr=False, timeout=timeout)
    units = top_units(out / "rtl")
    synth_units(out / "rtl", units, timeout)
    cells = report["cells"]
    return {
        "design": design.name,
        "parameters": {
            "model": design.model,
            "quant": design.quant,
            "board": BOARD,
            "target_fps": design.fps,
            "folding_set": [list(f) for f in design.folding],
        },
        "yosys": classify(cells),
        "yosys_tool_lut": report["resources"]["lut"]["yosys"],
        "cells": cells,
        "estimate": report["estimate"]["total"],
        "stages": report["estimate"]["stages"],
        "units": units,
        "yosys_version": report["yosys"]["kind"],
        "seconds": round(time.monotonic() - started, 1),
    }


def reestimate(record: dict[str, Any], work: Path) -> None:
    """Rebuild a recorded design (no synthesis) and store the current model's estimates."""
    from fpgaforge.rtl.synth import scheduler_estimate

    p = record["parameters"]
    design = next(d for d in DESIGNS if d.name == record["design"])
    assert design.model == p["model"] and design.quant == p["quant"]
    out = build(design, work)
    project = json.loads((out / "rtl" / "project.json").read_text())
    est = scheduler_estimate(out / "rtl", project)
    record["estimate"] = est["total"]
    record["stages"] = est["stages"]
    # the ROM contents the resource model reads (`Instance.contents`), for records made
    # before the top listed them; the unit must have the recorded parameters
    rebuilt = {u["inst"]: u for u in top_units(out / "rtl")}
    for unit in record["units"]:
        new = rebuilt.get(unit["inst"])
        if new is not None and new["params"] == unit["params"]:
            unit["contents"] = new["contents"]
        else:
            unit.pop("contents", None)


# ---- fit ------------------------------------------------------------------------------------


#: coefficients that describe the hardware directly and are not fitted: one LUT per bit of a
#: counter on a carry chain (UG574 CARRY8), one LUT6 per 64 words of a table bit
FIXED = {
    "rtl.ff_mvau.counter_bits",
    "rtl.ff_mvau.rom_luts",
    "rtl.ff_fifo.pointer_bits",
    "rtl.ff_rqstage.rom_luts",
}


def unit_fixed_lut(unit: dict[str, Any]) -> float:
    """LUTs of a unit outside its terms: a MAC unit's weight ROM (`ff_mvau`, `ff_sparse_mvau`:
    values and indices) when it is in LUTs (WEIGHT_RAM 2, or 0 where the model would place it
    there), its live bits only when the top's contents give them (WEIGHT_LIVE)."""
    from fpgaforge.rtl.design_estimate import terms_params
    from fpgaforge.units.cost import resource_model as rm

    if unit["module"] not in ("ff_mvau", "ff_sparse_mvau"):
        return 0.0
    p = terms_params(unit)
    pe, simd, wt_w = int(p["PE"]), int(p["SIMD"]), int(p["WT_W"])
    width = pe * simd * wt_w
    if unit["module"] == "ff_sparse_mvau":
        m = int(p["M"])
        width = pe * (simd // m * int(p["N"])) * (wt_w + max(1, (m - 1).bit_length()))
    depth = (int(p["MH"]) // pe) * (int(p["MW"]) // simd)
    if int(p.get("WEIGHT_RAM", 0)) == 1:
        return 0.0  # block RAM
    weights = rm.place_memory(width, depth, "auto", bits_per_block=36864)
    if int(p.get("WEIGHT_RAM", 0)) == 2 or weights.kind == "lutram":
        if "WEIGHT_LIVE" in p:
            return rm.rom_luts(int(p["WEIGHT_LIVE"]), depth)
        return rm.rom_luts(width, depth)
    return weights.lut


def design_matrix(units: list[dict[str, Any]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The LUT fit's columns: the coefficient keys, one row per unit of each key's term
    (`rtl_unit_terms` on the unit's parameters with its ROM contents), and each unit's fixed
    LUTs (the terms' fixed part plus `unit_fixed_lut`)."""
    from fpgaforge.rtl.design_estimate import terms_params
    from fpgaforge.units.cost import resource_model as rm

    terms = [rm.rtl_unit_terms(u["module"], terms_params(u)) for u in units]
    keys = sorted(
        {rm.lut_coef_key(u["module"], k) for u, t in zip(units, terms, strict=True) for k in t.lut}
    )
    a = np.zeros((len(units), len(keys)))
    for i, (u, t) in enumerate(zip(units, terms, strict=True)):
        for k, v in t.lut.items():
            a[i, keys.index(rm.lut_coef_key(u["module"], k))] += v
    fixed = np.array([t.lut_fixed + unit_fixed_lut(u) for u, t in zip(units, terms, strict=True)])
    return keys, a, fixed


def fit(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Non-negative least squares of the LUT coefficients over all units of all designs (one
    column per coefficient, `requant_lanes` shared by every unit with an ff_requant), the
    residuals per unit kind, and the yosys / estimate ratios of the whole designs."""
    from scipy.optimize import nnls

    from fpgaforge.rtl.design_estimate import terms_params
    from fpgaforge.units.cost import resource_model as rm

    units = [u for r in records for u in r["units"] if u["module"] != "ff_axil_regs"]
    keys, a, fixed = design_matrix(units)
    y = np.array([u["yosys"]["lut"] for u in units])
    # structural coefficients stay as they are (FIXED); the others are fitted by relative
    # least squares (rows scaled by 1/yosys so small units count as much as big ones)
    c = np.array([float(rm.coef(*k.split("."))) for k in keys])
    free = [i for i, k in enumerate(keys) if k not in FIXED]
    held = [i for i, k in enumerate(keys) if k in FIXED]
    w = 1.0 / np.maximum(y, 20.0)
    target = (y - fixed - a[:, held] @ c[held]) * w
    c[free], _ = nnls(a[:, free] * w[:, None], target)
    pred = fixed + a @ c
    # FF terms (registers whose width yosys trims): one least-squares coefficient each
    terms = [rm.rtl_unit_terms(u["module"], terms_params(u)) for u in units]
    ff_y = np.array([u["yosys"]["ff"] for u in units])
    ff_keys = sorted(
        {
            rm.lut_coef_key(u["module"], k)
            for u, t in zip(units, terms, strict=True)
            for k in t.ff_terms
        }
    )
    b = np.zeros((len(units), len(ff_keys)))
    for i, (u, t) in enumerate(zip(units, terms, strict=True)):
        for k, v in t.ff_terms.items():
            b[i, ff_keys.index(rm.lut_coef_key(u["module"], k))] += v
    ff_base = np.array([t.ff for t in terms])
    ff_c, _ = nnls(b * w[:, None], (ff_y - ff_base) * w) if ff_keys else (np.zeros(0), 0.0)
    ff_pred = ff_base + b @ ff_c
    per_module: dict[str, Any] = {}
    for module in sorted({u["module"] for u in units}):
        idx = [i for i, u in enumerate(units) if u["module"] == module]
        per_module[module] = {
            "units": len(idx),
            "lut_yosys": [y[i] for i in idx],
            "lut_model": [round(float(pred[i]), 1) for i in idx],
            "ff_yosys": [ff_y[i] for i in idx],
            "ff_model": [round(float(ff_pred[i]), 1) for i in idx],
        }
    totals = [design_totals(record) for record in records]
    rms = {
        k: round(
            float(
                np.sqrt(
                    np.mean([(t[k]["design_estimate"] / t[k]["yosys"] - 1) ** 2 for t in totals])
                )
            ),
            3,
        )
        for k in ("lut", "ff")
    }
    return {
        "lut_coefficients": {k: round(float(v), 3) for k, v in zip(keys, c, strict=True)},
        "ff_coefficients": {k: round(float(v), 3) for k, v in zip(ff_keys, ff_c, strict=True)},
        "fixed": sorted(FIXED & set(keys)),
        "units": per_module,
        "designs": totals,
        "rms_relative_design_estimate": rms,
    }


def design_totals(record: dict[str, Any]) -> dict[str, Any]:
    """yosys against the schedule's estimate (sum of its stages) and against the design
    estimate (`fpgaforge.rtl.design_estimate`: the stages the RTL implements plus the
    generated top's glue)."""
    from fpgaforge.rtl.design_estimate import design_estimate

    design = design_estimate(record["stages"], record["units"])
    keys = ("lut", "ff", "dsp", "bram")
    yy, e = record["yosys"], record["estimate"]
    out: dict[str, Any] = {"design": record["design"]}
    for k in keys:
        out[k] = {
            "yosys": yy[k],
            "estimate": e.get(k),
            "design_estimate": design["total"][k],
            "ratio": _ratio(yy[k], design["total"][k]),
        }
    out["carry"] = yy["carry"]
    out["stages_without_unit"] = design["stages_without_unit"]
    out["glue"] = design["glue"]
    return out


def _rel(pred: np.ndarray, y: np.ndarray) -> list[float]:
    return [round(float(v), 3) for v in (pred - y) / np.maximum(y, 1.0)]


def _ratio(y: float, e: float | None) -> float | None:
    return round(y / e, 3) if e else None


def main() -> int:
    """Regenerate the calibration data (unless --fit-only) and print the fit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit-only", action="store_true", help="refit the recorded data")
    parser.add_argument(
        "--reestimate",
        action="store_true",
        help="rebuild the recorded designs without synthesis to refresh their estimates",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/fpgaforge_calibration"))
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument(
        "--only",
        default="",
        help="synthesize only the designs whose name contains this text; the other recorded "
        "designs are kept",
    )
    args = parser.parse_args()
    recorded = json.loads(DATA.read_text()) if DATA.exists() else {"records": []}
    order = [d.name for d in DESIGNS]
    by_name = {r["design"]: r for r in recorded["records"] if "units" in r and r["design"] in order}
    args.work.mkdir(parents=True, exist_ok=True)
    if args.reestimate:
        for record in by_name.values():
            reestimate(record, args.work)
    elif not args.fit_only:
        for design in DESIGNS:
            if args.only not in design.name:
                continue
            record = measure(design, args.work, args.timeout)
            print(
                json.dumps({k: record[k] for k in ("design", "yosys", "estimate", "seconds")}),
                flush=True,
            )
            by_name[record["design"]] = record
            _save(recorded, by_name, order)
    records = sorted(by_name.values(), key=lambda r: order.index(r["design"]))
    data = _save(recorded, by_name, order)
    data["fit"] = fit(records)
    DATA.write_text(json.dumps(data, indent=1) + "\n")
    print(json.dumps(data["fit"], indent=1))
    return 0


def _save(recorded: dict[str, Any], by_name: dict[str, Any], order: list[str]) -> dict[str, Any]:
    records = sorted(by_name.values(), key=lambda r: order.index(r["design"]))
    data = {
        "schema": "fpgaforge.calibration/2",
        "family": "xcup",
        "date": datetime.date.today().isoformat(),
        "lut_counts": "LUT1-6 plus LUT RAM primitives at the LUT6s they occupy",
        "records": records,
        "fit": recorded.get("fit", {}),
    }
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(data, indent=1) + "\n")
    return data


if __name__ == "__main__":
    sys.exit(main())
