"""Simulated vs estimated cycles of whole models on the RTL (Verilator), as a table.

    python bench/cycle_agreement.py [--boards a,b] [--quants q1,q2] [--vectors N]

For each bundled model (and a seeded 24-48-40-7 MLP) x board x precision: build the RTL,
simulate it bit-exactly, and print latency and interval, simulated vs the schedule's
estimate (the goal: interval equal, latency within max(2 %, 2 cycles)).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fpgaforge.flow import build  # noqa: E402
from fpgaforge.sim.rtlsim import run_rtlsim  # noqa: E402
from tests.toy_models import mlp_inputs, mlp_onnx  # noqa: E402

MODELS = ROOT / "examples" / "models"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boards", default="ulx3s-85f,ultra96v2,zcu104")
    parser.add_argument("--quants", default="int8,fixed:8,3")
    parser.add_argument("--models", default="digits_mlp,digits_cnn,digits_rescnn,mlp_24_48_40_7")
    parser.add_argument("--vectors", type=int, default=20)
    args = parser.parse_args()
    quants = [q for q in args.quants.replace("fixed:8,3", "fixed:8;3").split(",")]
    quants = [q.replace(";", ",") for q in quants]
    print("| model | quant | board | latency sim / est | interval sim / est | mismatches | ok |")
    print("|---|---|---|---|---|---|---|")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            for board in args.boards.split(","):
                for quant in quants:
                    if model == "mlp_24_48_40_7":
                        onnx, data = mlp_onnx(Path(tmp) / "mlp.onnx"), mlp_inputs(count=100)
                        quant = "fixed:8" if quant.startswith("fixed") else quant
                    else:
                        onnx = MODELS / f"{model}.onnx"
                        data = np.load(MODELS / f"{model}_test.npz")["x"]
                    out = Path(tmp) / f"{model}_{board}_{quant}".replace(":", "_").replace(",", "_")
                    build(onnx, board, quant, out, backend="rtl", calibration={"x": data},
                          vectors=args.vectors, mode="streaming")  # fmt: skip
                    r = run_rtlsim(out, "verilator")
                    lat_ok = abs(r.latency_cycles - r.est_latency_cycles) <= max(
                        0.02 * r.est_latency_cycles, 2
                    )
                    ok = r.passed and r.interval_cycles == r.est_interval_cycles and lat_ok
                    failures += not ok
                    print(
                        f"| {model} | {quant} | {board} | {r.latency_cycles} / "
                        f"{r.est_latency_cycles:.1f} | {r.interval_cycles} / "
                        f"{r.est_interval_cycles:.0f} | {r.mismatches} | {'yes' if ok else 'NO'} |",
                        flush=True,
                    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
