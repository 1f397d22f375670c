"""yosys (synth_xilinx, xcup) against the cost models of the LightMamba RTL units.

    python bench/mamba_units_resources.py                # synthesize every size, print the table
    python bench/mamba_units_resources.py --only ssm     # only the units whose name has 'ssm'
    python bench/mamba_units_resources.py --fit-only     # refit the recorded data, print it

Units: `ff_ssm_step` for the tiny Mamba-2 LM's first SSM layer (examples/models/
mamba2_chars.onnx, lightmamba; 8 heads x 16 channels x 16 states, real tables) at several
lane counts and a narrower layer with its tables, and `ff_pot_quant` at the activation quantizers' widths. Each is synthesized
as its own flattened top (`fpgaforge.rtl.synth.synthesize_module`); the estimate is the
unit's cost model on ultra96v2 (`SSMStep`, `PotQuant`). The table goes to stdout and the
records to fpgaforge/rtl/data/mamba_units_xcup.json. The fit (least squares of the LUT
coefficients `rtl.ff_ssm_step.*` / `rtl.ff_pot_quant.*` over the recorded units, the
memories' LUTs held fixed) is copied into fpgaforge/units/cost/data/resource_model.yaml by
hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT / "fpgaforge" / "rtl" / "data" / "mamba_units_xcup.json"
MODEL = ROOT / "examples" / "models" / "mamba2_chars.onnx"
#: (heads, headdim, d_state, lanes): the tiny LM's layer at 8 / 16 / 32 lanes and a narrower
#: layer (its tables and constants, 8 states) at 8 lanes
SSM_SIZES = ((8, 16, 16, 8), (8, 16, 16, 16), (8, 16, 16, 32), (8, 8, 8, 8))
#: (codes per word, bits, input width) of the quantizer sizes
POT_SIZES = ((16, 4, 32), (64, 4, 32), (16, 8, 24))
BOARD = "ultra96v2"


def ssm_unit(size: tuple[int, int, int, int], work: Path) -> tuple[dict[str, Any], Any]:
    """(parameters with the images written to `work`, SSMStep) of the tiny LM's first SSM
    layer's attributes and constants at geometry `size` (heads, headdim, d_state, lanes)."""
    import fpgaforge
    from fpgaforge.units.ssm_scan import SSMStep
    from fpgaforge.units.ssm_scan.rtl import CONSTANTS, ssm_step_rtl

    g = fpgaforge.quantize(fpgaforge.load(str(MODEL)), "lightmamba")
    node = next(n for n in g.nodes if n.op == "IntSSMStep")
    consts = {k: v.const for k, v in zip(CONSTANTS, node.inputs[5:], strict=True)}
    heads, headdim, d_state, lanes = size
    unit = ssm_step_rtl(node.name, dict(node.attrs), consts, heads=heads, headdim=headdim,
                        d_state=d_state, groups=1, lanes=lanes)  # fmt: skip
    work.mkdir(parents=True, exist_ok=True)
    params = dict(unit.params)
    for key, lines in unit.files.items():
        (work / f"{key.lower()}.hex").write_text("".join(f"{w}\n" for w in lines))
        params[key] = f"{key.lower()}.hex"
    return params, SSMStep.of_params(params)


def measure(
    only: str, work: Path, reuse: bool = False, timeout: float = 1800
) -> list[dict[str, Any]]:
    from fpgaforge.rtl.generator import VERILOG_DIR
    from fpgaforge.rtl.synth import cell_counts, classify, synthesize_module
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from fpgaforge.units.ssm_scan.pot_quant import PotQuant

    ctx = CostContext.of(view(BOARD))
    src = [VERILOG_DIR / f"{m}.v" for m in ("ff_pot_quant", "ff_shift_round", "ff_ssm_step")]
    jobs = []
    for size in SSM_SIZES:
        name = "ff_ssm_step_h{}_p{}_n{}_lanes{}".format(*size)
        if only in name:
            params, model = ssm_unit(size, work / name)
            jobs.append((name, "ff_ssm_step", params, model, src))
    for n, bits, in_w in POT_SIZES:
        name = f"ff_pot_quant_n{n}_b{bits}"
        if only in name:
            params = {"IN_W": in_w, "BITS": bits, "N": n, "GROUP": 8}
            jobs.append((name, "ff_pot_quant", params, PotQuant.of_params(params), src[:1]))
    records = []
    for name, module, params, model, sources in jobs:
        stat = work / name / "stat.json"
        if reuse and stat.is_file():  # a finished synthesis of the same unit
            cells = cell_counts(json.loads(stat.read_text()))
            got = {"cells": cells, "resources": classify(cells, "xcup"), "seconds": 0.0}
        else:
            got = synthesize_module(module, params, sources, work / name, timeout=timeout)
        est = model.estimate(ctx)
        records.append({"unit": name, "params": params, "yosys": got["resources"],
                        "cells": got["cells"], "seconds": got["seconds"],
                        "estimate": {k: round(float(getattr(est, k)), 1)
                                     for k in ("lut", "ff", "dsp", "bram")}})  # fmt: skip
        print(row(records[-1]), flush=True)
    return records


def fit(records: list[dict[str, Any]]) -> dict[str, float]:
    """Least-squares LUT coefficients per module (non-negative), relative to each unit."""
    import numpy as np
    from scipy.optimize import nnls

    from fpgaforge.units.cost import resource_model as rm
    from fpgaforge.units.ssm_scan.terms import memory_cost

    out: dict[str, float] = {}

    def module_of(r: dict[str, Any]) -> str:
        return "ff_ssm_step" if "HEADS" in r["params"] else "ff_pot_quant"

    for module in sorted({module_of(r) for r in records}):
        rows = [r for r in records if module_of(r) == module]
        terms = [rm.rtl_unit_terms(module, r["params"]) for r in rows]
        keys = sorted({k for t in terms for k in t.lut})
        a = np.array([[t.lut.get(k, 0.0) for k in keys] for t in terms])
        fixed = np.array([
            memory_cost(r["params"], 36864)[1] if module == "ff_ssm_step" else 0.0 for r in rows
        ])  # fmt: skip
        y = np.array([r["yosys"]["lut"] for r in rows])
        c, _ = nnls(a / y[:, None], (y - fixed) / y)
        out.update({f"rtl.{module}.{k}": round(float(v), 3) for k, v in zip(keys, c, strict=True)})
    return out


def row(r: dict[str, Any]) -> str:
    y, e = r["yosys"], r["estimate"]
    lut = f"{y['lut']:7.0f} {e['lut']:7.0f} {e['lut'] / max(y['lut'], 1) - 1:+6.1%}"
    return (f"{r['unit']:30s} LUT {lut}  FF {y['ff']:6.0f} {e['ff']:6.0f}  "
            f"DSP {y['dsp']:4.0f} {e['dsp']:4.0f}  BRAM {y['bram']:4.1f} {e['bram']:4.1f}  "
            f"({r['seconds']:.0f} s)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="units whose name contains this text")
    parser.add_argument("--work", type=Path, default=Path("/tmp/fpgaforge_mamba_units"))
    parser.add_argument("--fit-only", action="store_true", help="refit the recorded data")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per synthesis")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take the cells of a unit already synthesized in --work",
    )
    args = parser.parse_args()
    print("unit                       LUT yosys   model  error  FF yosys model  DSP y/m  BRAM y/m")
    records = [] if args.fit_only else measure(args.only, args.work, args.reuse, args.timeout)
    old = json.loads(DATA.read_text())["records"] if DATA.exists() else []
    keep = [r for r in old if r["unit"] not in {n["unit"] for n in records}]
    everything = keep + records
    if args.fit_only:
        for r in everything:
            print(row(reestimate(r)))
    DATA.write_text(json.dumps({"schema": "fpgaforge.mamba_units/1", "family": "xcup",
                                "board": BOARD, "records": everything}, indent=1) + "\n")  # fmt: skip
    print("fit:", json.dumps(fit(everything)))
    return 0


def reestimate(record: dict[str, Any]) -> dict[str, Any]:
    """The record with the current cost model's estimate."""
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from fpgaforge.units.ssm_scan import PotQuant, SSMStep

    p = record["params"]
    model = SSMStep.of_params(p) if "HEADS" in p else PotQuant.of_params(p)
    est = model.estimate(CostContext.of(view(BOARD)))
    record["estimate"] = {k: round(float(getattr(est, k)), 1) for k in ("lut", "ff", "dsp", "bram")}
    return record


if __name__ == "__main__":
    sys.exit(main())
