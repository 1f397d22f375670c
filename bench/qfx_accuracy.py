"""QFX vs post-training quantization on the bundled digits CNNs.

For the digits CNN and residual CNN, every tensor (inputs, weights, biases,
BatchNorm scales and shifts, adds, activations, pooling, outputs) is fixed point
of one width W. Rows: float; PTQ `fixed:W` (integer bits per tensor from the
calibrated ranges); QFX at W (learned binary point, QAT from the float model);
QFX K-hot (K = 2, 3 non-zero signed digits per weight) at W = 8. Accuracies are
on the 400 held-out test images, measured with `fpgaforge.execute` of the
exported integer graph (QFX) or the PTQ graph. Fixed seeds throughout.

    python bench/qfx_accuracy.py [--epochs N] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fpgaforge  # noqa: E402
from examples.train_digits import load_split, seed_everything  # noqa: E402
from fpgaforge.quant import qfx  # noqa: E402
from fpgaforge.report import markdown  # noqa: E402

MODELS = ("digits_cnn", "digits_rescnn")
WIDTHS = (8, 6, 5, 4)
K_HOT = (2, 3)
BATCH = 64


def accuracy(graph: fpgaforge.Graph, x: np.ndarray, y: np.ndarray) -> float:
    return float((fpgaforge.execute(graph, {"x": x})["logits"].argmax(axis=1) == y).mean())


def train_qfx(
    model: qfx.QfxModel, x: np.ndarray, y: np.ndarray, epochs: int, seed: int = 0
) -> None:
    """Adam on weights (lr 1e-3) and binary points (lr 5e-2), cross-entropy, shuffled mini-batches."""
    weights = [p for name, p in model.named_parameters() if not name.endswith("int_bits")]
    points = [p for name, p in model.named_parameters() if name.endswith("int_bits")]
    optimizer = torch.optim.Adam([{"params": weights, "lr": 1e-3}, {"params": points, "lr": 5e-2}])
    inputs, labels = torch.from_numpy(x).double(), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(inputs), generator=generator)
        for start in range(0, len(inputs), BATCH):
            index = order[start : start + BATCH]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(inputs[index]), labels[index]).backward()
            optimizer.step()
    model.eval()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--epochs", type=int, default=20, help="QAT epochs per QFX run (default 20)"
    )
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args()
    seed_everything(0)
    torch.use_deterministic_algorithms(False)
    x_train, y_train, x_test, y_test = load_split()
    console = Console(stderr=True)
    rows: list[tuple[str, str, str, float]] = []
    for name in MODELS:
        path = ROOT / "examples" / "models" / f"{name}.onnx"
        shape = (-1, 1, 8, 8)
        xtr, xte = x_train.reshape(shape), x_test.reshape(shape)
        float_graph = fpgaforge.load(path, fold_batchnorm=False)
        rows.append((name, "float", "-", accuracy(float_graph, xte, y_test)))
        calibration = {"x": xtr}
        for width in WIDTHS:
            start = time.perf_counter()
            ptq = fpgaforge.quantize(float_graph, f"fixed:{width}", calibration)
            rows.append((name, "PTQ fixed:W", str(width), accuracy(ptq, xte, y_test)))
            torch.manual_seed(0)
            model = qfx.prepare(
                float_graph,
                qfx.QfxConfig(width=width, fold_batchnorm=False),
                calibration=calibration,
            )
            train_qfx(model, xtr, y_train, args.epochs)
            rows.append((name, "QFX", str(width), accuracy(qfx.export(model), xte, y_test)))
            console.log(
                f"{name} W={width}: PTQ {rows[-2][3]:.2%}, QFX {rows[-1][3]:.2%} "
                f"({time.perf_counter() - start:.0f} s)"
            )
        for k in K_HOT:
            torch.manual_seed(0)
            config = qfx.QfxConfig(width=8, k_hot=k, fold_batchnorm=False)
            model = qfx.prepare(float_graph, config, calibration=calibration)
            train_qfx(model, xtr, y_train, args.epochs)
            rows.append((name, f"QFX K-hot K={k}", "8", accuracy(qfx.export(model), xte, y_test)))
            console.log(f"{name} K-hot K={k}: {rows[-1][3]:.2%}")
    table = Table(
        title=f"Digits test accuracy (400 images), all tensors fixed point incl. BatchNorm; QAT {args.epochs} epochs"
    )
    for column in ("model", "method", "W", "accuracy"):
        table.add_column(column, justify="right" if column in ("W", "accuracy") else "left")
    for model_name, method, width, acc in rows:
        table.add_row(model_name, method, width, f"{acc:.2%}")
    Console().print(table)
    if args.markdown:
        cells = [
            (model_name, method, width, f"{acc:.2%}") for model_name, method, width, acc in rows
        ]
        print("\n" + markdown.table(("model", "method", "W", "test accuracy"), cells, right=(2, 3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
