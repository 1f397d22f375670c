"""Calibrate ff_softmax's resource terms against yosys synth_xilinx (xcup), unit alone.

    python bench/calibrate_softmax.py            # synthesize the cases, compare with the model
    python bench/calibrate_softmax.py --fit      # also least-squares the LUT coefficients

Each case is a softmax the quantizer would build (its exp table from
`quant.lower.rowwise.exp_table` for the code type), synthesized flattened on its own as
`bench/calibrate_resources.py` does for the units of whole designs. Prints yosys LUT / FF /
DSP / BRAM against the model: `resource_model.rtl_unit` (LUT, FF) and the template's DSPs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: (row length, code bits, code step): int8 logits of 10 and 1000 classes, wider codes
CASES = [
    (10, 8, 0.12),
    (1000, 8, 0.05),
    (7, 12, 0.001),
    (64, 6, 0.5),
    (100, 10, 0.01),
    (256, 8, 0.1),
    (40, 16, 0.0002),
]


def synth(n: int, bits: int, step: float, work: Path) -> dict:
    """yosys counts and the model's numbers of one case."""
    from fpgaforge.numerics.scale import Scale
    from fpgaforge.numerics.types import Int
    from fpgaforge.quant.lower.rowwise import SOFTMAX_FRAC, exp_table
    from fpgaforge.rtl.generator import VERILOG_DIR
    from fpgaforge.rtl.synth import cell_counts, classify, find_yosys, run_tool
    from fpgaforge.units.cost import resource_model as rm
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from fpgaforge.units.rom import hex_word
    from fpgaforge.units.softmax_norm.cost import SoftmaxNorm

    table = exp_table(None, Int(bits, True, Scale.per_tensor(step)))  # type: ignore[arg-type]
    values = [int(v) for v in np.asarray(table.values)]
    t = SoftmaxNorm(op="softmax", rows=1, row_len=n, bits=bits, table_len=len(values),
                    table_shift=int(table.shift), exp_max=max(values), exp_first=values[0],
                    out_frac=SOFTMAX_FRAC)  # fmt: skip
    g = t.softmax_geometry()
    (work / "exp.hex").write_text("".join(hex_word([v], g.exp_w) + "\n" for v in values))
    sets = " ".join(f"-set {k} {v}" for k, v in g.params().items())
    script = [
        f"read_verilog -defer {VERILOG_DIR / 'ff_softmax.v'}",
        f'chparam {sets} -set EXP_FILE "exp.hex" $abstract\\ff_softmax',
        "hierarchy -auto-top",
        "synth_xilinx -family xcup -flatten -noiopad",
        "tee -q -o stat.json stat -json",
    ]
    (work / "s.ys").write_text("\n".join(script) + "\n")
    _, yosys = find_yosys()
    code = run_tool([yosys, "-q", "-s", "s.ys"], cwd=work, log=work / "yosys.log", timeout=1800,
                    what="yosys")  # fmt: skip
    if code:
        raise RuntimeError(f"yosys failed; see {work / 'yosys.log'}")
    cells = cell_counts(json.loads((work / "stat.json").read_text()))
    got = classify(cells, "xcup")
    lut, ff = rm.rtl_unit("ff_softmax", g.params())
    est = t.estimate(CostContext.of(view("ultra96v2")))
    terms = rm.rtl_unit_terms("ff_softmax", g.params())
    return {
        "case": [n, bits, step],
        "params": g.params(),
        "yosys": {k: got[k] for k in ("lut", "ff", "dsp", "bram")},
        "model": {"lut": round(lut, 1), "ff": ff, "dsp": est.dsp, "bram": est.bram},
        "terms": terms.lut,
        "fixed": terms.lut_fixed,
    }


def fit(rows: list[dict]) -> dict[str, float]:
    """Non-negative relative least squares of the LUT coefficients."""
    from scipy.optimize import nnls

    keys = sorted({k for r in rows for k in r["terms"]})
    a = np.array([[r["terms"].get(k, 0.0) for k in keys] for r in rows])
    y = np.array([r["yosys"]["lut"] - r["fixed"] for r in rows])
    w = 1.0 / np.maximum(np.array([r["yosys"]["lut"] for r in rows]), 20.0)
    c, _ = nnls(a * w[:, None], y * w)
    return {k: round(float(v), 3) for k, v in zip(keys, c, strict=True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true")
    parser.add_argument("--json", metavar="OUT.json")
    parser.add_argument("--case", type=int, action="append", help="only these CASES (index)")
    args = parser.parse_args()
    rows = []
    for index, (n, bits, step) in enumerate(CASES):
        if args.case and index not in args.case:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            try:
                row = synth(n, bits, step, Path(tmp))
            except RuntimeError:
                log = (Path(tmp) / "yosys.log").read_text().strip().splitlines()
                print(f"N {n} IN_W {bits}: yosys failed: {log[-1] if log else '?'}", flush=True)
                continue
        rows.append(row)
        y, m = row["yosys"], row["model"]
        print(
            f"N {n:5d} IN_W {bits:2d} R_W {row['params']['R_W']:2d}: yosys LUT {y['lut']:6.0f} "
            f"FF {y['ff']:5.0f} DSP {y['dsp']:.0f} BRAM {y['bram']:.1f} | model LUT {m['lut']:7.1f} "
            f"({m['lut'] / max(y['lut'], 1) - 1:+.1%}) FF {m['ff']:5.0f} DSP {m['dsp']:.0f} "
            f"BRAM {m['bram']:.1f}",
            flush=True,
        )
    if args.fit:
        print("fitted LUT coefficients:", fit(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
