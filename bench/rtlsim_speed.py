"""Simulated clock cycles per second of the bundled CNN's RTL: the compiled Verilator bench
(one process, then split across `--jobs` processes) and the cocotb bench on Verilator and Icarus.

    python bench/rtlsim_speed.py [--vectors N] [--jobs N] [--board B] [--quant Q]

(default 6,000 vectors: the bundled test images repeated; the cocotb runs take the first
300 of them)

Builds `digits_cnn` (default ultra96v2, fixed:8,3, RTL backend) into a temporary folder and
prints processes, vectors, simulated cycles, build time, run time and cycles/s of each run
(cycles/s of the compiled bench: its simulation loop; of cocotb: the whole test run).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"
COCOTB_VECTORS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=6000)
    parser.add_argument("--board", default="ultra96v2")
    parser.add_argument("--quant", default="fixed:8,3")
    parser.add_argument(
        "--jobs", type=int, default=None, help="processes of the split compiled run (default: auto)"
    )
    args = parser.parse_args()
    data = np.load(MODELS / "digits_cnn_test.npz")["x"]
    # the test images repeated up to --vectors (the vectors are the calibration data's first
    # rows; repeating the images leaves the calibrated ranges as they are)
    data = np.resize(data, (max(args.vectors, len(data)), *data.shape[1:]))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cnn"
        build(
            MODELS / "digits_cnn.onnx",
            args.board,
            args.quant,
            out,
            backend="rtl",
            calibration={"x": data},
            vectors=args.vectors,
        )
        print(
            f"{'simulator':10} {'engine':9} {'procs':>5} {'vectors':>7} {'cycles':>8} "
            f"{'build s':>8} {'run s':>7} {'cycles/s':>10}"
        )
        runs = [("verilator", "compiled", 1, None), ("verilator", "compiled", args.jobs, None)]
        # the cocotb benches on their first COCOTB_VECTORS (Icarus: ~600 cycles/s)
        runs += [("verilator", "cocotb", None, COCOTB_VECTORS)]
        runs += [("icarus", "cocotb", None, COCOTB_VECTORS)]
        for simulator, engine, jobs, count in runs:
            r = run_rtlsim(out, simulator, count, engine=engine, jobs=jobs)
            print(
                f"{simulator:10} {engine:9} {r.processes:5d} {r.vectors:7d} "
                f"{r.simulated_cycles:8d} {r.build_s:8.1f} {r.wall_s:7.1f} "
                f"{r.cycles_per_second:10.0f}  {'pass' if r.passed else 'FAIL'}"
            )


if __name__ == "__main__":
    main()
