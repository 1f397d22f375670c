"""The main flow on the bundled digits CNN: import, inspect, quantize, estimate for
Ultra96-V2, build the HLS project, C-simulate it bit-exactly against the integer
emulation, and (when the RTL backend's simulator is installed) simulate the RTL.

Run with `make demo` (which sets everything up first) or `python examples/demo.py`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

import fpgaforge
from fpgaforge.cli import main as cli_main

MODELS = Path(__file__).resolve().parent / "models"
BOARD = "ultra96v2"
QUANT = "fixed:8,3"


def step(title: str) -> None:
    print(f"\n=== {title}")


def main() -> int:
    model = MODELS / "digits_cnn.onnx"
    calib = MODELS / "digits_cnn_test.npz"
    data = np.load(calib)

    step(f"fpgaforge inspect {model.name}")
    if cli_main(["inspect", str(model)]):
        return 1

    step("reference executor vs onnxruntime")
    graph = fpgaforge.load(model)
    logits = fpgaforge.execute(graph, {"x": data["x"]})["logits"]
    reference = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).run(
        None, {"x": data["x"]}
    )[0]
    max_diff = float(np.abs(logits - reference).max())
    print(
        f"{len(data['x'])} test vectors: float accuracy {(logits.argmax(1) == data['y']).mean():.2%}, "
        f"max |fpgaforge - onnxruntime| = {max_diff:.2e}"
    )

    step(f"fpgaforge quantize --quant {QUANT}")
    if cli_main(["quantize", str(model), "--quant", QUANT, "--calib", str(calib)]):
        return 1

    step(f"fpgaforge estimate --board {BOARD} --quant {QUANT}")
    if cli_main(
        ["estimate", str(model), "--board", BOARD, "--quant", QUANT, "--calib", str(calib)]
    ):
        return 1

    with tempfile.TemporaryDirectory(prefix="fpgaforge-demo-") as tmp:
        out = Path(tmp) / "digits_cnn_ultra96v2"
        backend = "both" if _rtl_available() else "hls"
        step(f"fpgaforge build --board {BOARD} --quant {QUANT} --backend {backend}")
        start = time.perf_counter()
        if cli_main(
            [
                "build",
                str(model),
                "--board",
                BOARD,
                "--quant",
                QUANT,
                "--calib",
                str(calib),
                "-o",
                str(out),
                "--backend",
                backend,
            ]
        ):
            return 1
        print(
            f"built in {time.perf_counter() - start:.1f} s: {sorted(p.name for p in (out / 'hls').iterdir())}"
        )

        step("fpgaforge csim (g++ C-simulation of the HLS project)")
        if cli_main(["csim", str(out)]):
            return 1
        if backend == "both":
            step(
                "fpgaforge rtlsim (cycle-level RTL simulation: Verilator with a compiled C++ bench)"
            )
            if cli_main(["rtlsim", str(out)]):
                return 1
    return 0 if max_diff < 1e-4 else 1


def _rtl_available() -> bool:
    try:
        from fpgaforge.rtl import write_project  # noqa: F401
        from fpgaforge.sim.rtlsim import run_rtlsim  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
