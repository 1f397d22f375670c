"""Simulated clock cycles per second of the bundled CNN's RTL on Verilator and Icarus (cocotb).

    python bench/rtlsim_speed.py [--vectors N]

Builds `digits_cnn` (int8, ulx3s-85f, RTL backend) into a temporary folder, runs the
generated cocotb bench on each simulator and prints build time, run time and cycles/s.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from fpgaforge.flow import build
from fpgaforge.sim.rtlsim import run_rtlsim

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=100)
    args = parser.parse_args()
    data = np.load(MODELS / "digits_cnn_test.npz")["x"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cnn"
        build(
            MODELS / "digits_cnn.onnx",
            "ulx3s-85f",
            "int8",
            out,
            backend="rtl",
            calibration={"x": data},
            vectors=args.vectors,
        )
        print(
            f"{'simulator':10} {'vectors':>7} {'cycles':>8} {'build s':>8} {'run s':>7} {'cycles/s':>10}"
        )
        for simulator in ("verilator", "icarus"):
            r = run_rtlsim(out, simulator)
            print(
                f"{simulator:10} {r.vectors:7d} {r.simulated_cycles:8d} {r.build_s:8.1f} {r.wall_s:7.1f} "
                f"{r.cycles_per_second:10.0f}  {'pass' if r.passed else 'FAIL'}"
            )


if __name__ == "__main__":
    main()
