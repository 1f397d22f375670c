"""The main flow on a bundled example: import the digits CNN, inspect it, and
check the reference executor against onnxruntime on the bundled test vectors.

Run with `make demo` (which sets everything up first) or `python examples/demo.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

import fpgaforge
from fpgaforge.cli import main as cli_main

MODELS = Path(__file__).resolve().parent / "models"


def main() -> int:
    model = MODELS / "digits_cnn.onnx"
    data = np.load(MODELS / "digits_cnn_test.npz")
    print(f"$ fpgaforge inspect {model.relative_to(MODELS.parent.parent)}")
    status = cli_main(["inspect", str(model)])
    if status:
        return status

    start = time.perf_counter()
    graph = fpgaforge.load(model)
    logits = fpgaforge.execute(graph, {"x": data["x"]})["logits"]
    elapsed = time.perf_counter() - start
    reference = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).run(
        None, {"x": data["x"]}
    )[0]
    max_diff = float(np.abs(logits - reference).max())
    accuracy = float((logits.argmax(axis=1) == data["y"]).mean())
    print(
        f"\nreference executor on {len(data['x'])} test vectors: accuracy {accuracy:.2%}, "
        f"max |fpgaforge - onnxruntime| = {max_diff:.2e}, import + execute {elapsed * 1e3:.0f} ms"
    )
    return 0 if max_diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
