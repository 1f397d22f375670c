"""Refit ff_mvau's LUT coefficients with the units' ROM contents (live table bits, folded
requant lanes: `units/rom.py`), and show every MAC unit against the model.

    python bench/fit_mac_resources.py MAC.json [CONV.json ...] [--exclude LABEL ...] [--check]

Units: every `ff_mvau` of the calibration data (fpgaforge/rtl/data/calibration_xcup.json, with
the contents `calibrate_resources.py --reestimate` attaches) and the MAC units of the `--json`
records of bench/sparse_mac_resources.py and bench/sparse_conv_resources.py (parameters,
contents and yosys counts). Held: the coefficients that are not fitted
(`calibrate_resources.FIXED`, counter bits, table LUTs) and ff_sparse_mvau's structural ones
(control, adder_bits, select_bits: fitted with its weight ROM in block RAM, and its lane
terms). Free: ff_mvau's control, adder_bits, packed_bits, mult_bits, epilogue_lanes and
folded_lanes, and both units' single_fold_adder_bits (units with one SIMD fold), by
non-negative least squares relative to each unit's LUTs (as calibrate_resources.py weighs
them). Units named by `--exclude` (label `pattern stage PExSIMD`, e.g. `2:4 /net/net.0/Gemm
4x16`) are reported but not fitted. The fitted numbers are copied into resource_model.yaml by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.calibrate_resources import DATA, FIXED, design_matrix  # noqa: E402

MODULES = ("ff_mvau", "ff_sparse_mvau")
#: units left out of the fit by default (none: the PE-4 64 -> 64 units of the MLP, once left
#: out for their wide logic ROMs, fit since those are an `ff_rom`; docs/sat.md)
EXCLUDE: tuple[str, ...] = ()


def fold(unit: dict[str, Any]) -> str:
    """`PExSIMD` of a MAC unit (part of its label)."""
    return f"{unit['params']['PE']}x{unit['params']['SIMD']}"


def load_units(paths: list[str]) -> list[dict[str, Any]]:
    """The MAC units to fit, each with `label`, `module`, `params`, `contents`, `yosys`."""
    units = []
    for record in json.loads(DATA.read_text())["records"]:
        for u in record["units"]:
            if u["module"] == "ff_mvau":
                units.append({**u, "label": f"{record['design']} {u['stage']} {fold(u)}"})
    for path in paths:
        data = json.loads(Path(path).read_text())
        rows = data["units"] if isinstance(data, dict) else data
        for r in rows:
            if r["module"] not in MODULES:
                continue
            tag = r.get("pattern") or ("dense" if r.get("build") == "dense" else data["pattern"])
            units.append({**r, "label": f"{tag} {r['stage']} {fold(r)}"})
    return units


def fit(
    units: list[dict[str, Any]], exclude: tuple[str, ...], solve: bool = True
) -> dict[str, Any]:
    """Coefficients and per-unit (yosys, model) of the joint fit (with `solve` False: of the
    resource model's coefficients as they are)."""
    from scipy.optimize import nnls

    from fpgaforge.units.cost import resource_model as rm

    keys, a, fixed = design_matrix(units)
    y = np.array([float(u["yosys"]["lut"]) for u in units])
    c = np.array([float(rm.coef(*k.split("."))) for k in keys])
    held = [
        i
        for i, k in enumerate(keys)
        if k in FIXED
        or k.endswith(".counter_bits")
        or (k.startswith("rtl.ff_sparse_mvau.") and not k.endswith(".single_fold_adder_bits"))
    ]
    free = [i for i in range(len(keys)) if i not in held]
    use = np.array([u["label"] not in exclude for u in units])
    w = 1.0 / np.maximum(y, 20.0)
    target = (y - fixed - a[:, held] @ c[held]) * w
    if solve:
        c[free], _ = nnls((a[:, free] * w[:, None])[use], target[use])
    pred = fixed + a @ c
    rows = [
        {
            "label": u["label"],
            "module": u["module"],
            "folding": f"PE {u['params']['PE']} x SIMD {u['params']['SIMD']}",
            "fitted": bool(ok),
            "yosys": yy,
            "model": p,
        }
        for u, ok, yy, p in zip(units, use, y, pred, strict=True)
    ]
    return {"coefficients": {keys[i]: round(float(c[i]), 3) for i in free}, "units": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", nargs="*", help="--json records of the MAC / conv benches")
    parser.add_argument("--exclude", nargs="*", default=list(EXCLUDE))
    parser.add_argument(
        "--check", action="store_true", help="no fit: the units against resource_model.yaml"
    )
    args = parser.parse_args()
    result = fit(load_units(args.records), tuple(args.exclude), solve=not args.check)
    print(json.dumps(result["coefficients"], indent=1))
    for module in MODULES:
        rows = [r for r in result["units"] if r["module"] == module]
        errors = [r["model"] / r["yosys"] - 1 for r in rows if r["fitted"]]
        for r in rows:
            mark = "" if r["fitted"] else "  (not fitted)"
            print(
                f"{module:<15} {r['label'][:60]:<60} yosys {r['yosys']:>6.0f}  model "
                f"{r['model']:>7.1f} ({r['model'] / r['yosys'] - 1:+.1%}){mark}"
            )
        if errors:
            rms = float(np.sqrt(np.mean(np.square(errors))))
            print(
                f"{module}: {len(errors)} fitted, max |error| {max(map(abs, errors)):.1%}, rms {rms:.1%}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
