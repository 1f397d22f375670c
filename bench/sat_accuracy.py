"""N:M sparse training on the digits MLP and CNN: dense vs SR-STE vs BDWP.

Every run trains the model from scratch (Adam, lr 3e-3, batch 64, cross-entropy,
the examples' digits split: 1,397 training and 400 test images) with
`fpgaforge.quant.sat.sparsify(model, pattern, method)`; masks are refreshed every step
from the dense master weights, SR-STE's decay term is on for both sparse methods
(`--decay`), BDWP's backward mask is N:M of W * Mf (`--backward-from masked`, so it keeps
only weights the forward uses; `weight`: of the dense W). The CNN's first convolution (one input channel) stays dense; every other
Linear and Conv2d is N:M (`--dense-last` keeps the classifier layer dense as well). Test accuracy is the eval-mode forward, which uses the
forward-masked (N:M) weights. Rows give mean and standard deviation over `--seeds`.

Anchor (not measured here): SAT (Fang et al., TCAD 2023) reports 0.56 % average
accuracy loss at 2:8 with BDWP on its (larger) benchmarks.

    python bench/sat_accuracy.py [--seeds 5] [--epochs 30] [--markdown]
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

from examples.torch_models import DigitsCNN, DigitsMLP  # noqa: E402
from examples.train_digits import load_split  # noqa: E402
from fpgaforge.quant import sat  # noqa: E402
from fpgaforge.report import markdown  # noqa: E402

MODELS = {
    "digits_mlp": (DigitsMLP, (-1, 64), (), "net.4"),
    "digits_cnn": (DigitsCNN, (-1, 1, 8, 8), ("features.0.0",), "fc"),
}
PATTERNS = ("2:4", "2:8", "1:8")
BATCH = 64
LR = 3e-3
PAPER_LOSS_2_8 = 0.56  # percentage points, SAT paper abstract (anchor, not a measurement)


def run(
    model_name: str,
    method: str,
    pattern: str,
    seed: int,
    epochs: int,
    decay: float,
    data,
    dense_last: bool = False,
    backward_from: str = "masked",
) -> float:
    factory, shape, skip, last = MODELS[model_name]
    skip = (*skip, last) if dense_last else skip
    x_train, y_train, x_test, y_test = data
    torch.manual_seed(seed)
    model = factory()
    if method != "dense":
        sat.sparsify(model, pattern, method, skip=skip, decay=decay, backward_from=backward_from)
    xtr = torch.from_numpy(x_train.reshape(shape))
    ytr = torch.from_numpy(y_train)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(xtr), generator=generator)
        for start in range(0, len(xtr), BATCH):
            index = order[start : start + BATCH]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xtr[index]), ytr[index]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x_test.reshape(shape)))
    return float((logits.argmax(1).numpy() == y_test).mean())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per row (default 5)")
    parser.add_argument("--epochs", type=int, default=30, help="training epochs (default 30)")
    parser.add_argument("--decay", type=float, default=2e-4, help="SR-STE decay (default 2e-4)")
    parser.add_argument(
        "--dense-last", action="store_true", help="keep each model's last layer dense too"
    )
    parser.add_argument(
        "--backward-from",
        choices=("weight", "masked"),
        default="masked",
        help="BDWP's backward mask from the dense W or from W * Mf (default masked)",
    )
    parser.add_argument("--patterns", nargs="+", default=list(PATTERNS), metavar="N:M")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_split()
    console = Console(stderr=True)
    rows = []
    for model_name in args.models:
        dense = None
        configs = [("dense", "-")] + [(m, p) for p in args.patterns for m in ("srste", "bdwp")]
        for method, pattern in configs:
            start = time.perf_counter()
            accs = np.array(
                [
                    run(
                        model_name,
                        method,
                        pattern,
                        s,
                        args.epochs,
                        args.decay,
                        data,
                        args.dense_last,
                        args.backward_from,
                    )
                    for s in range(args.seeds)
                ]
            )
            mean, std = 100 * accs.mean(), 100 * accs.std(ddof=1) if len(accs) > 1 else 0.0
            if dense is None:
                dense = mean
            rows.append((model_name, method, pattern, mean, std, mean - dense))
            console.log(
                f"{model_name} {method} {pattern}: {mean:.2f} ± {std:.2f} % "
                f"({time.perf_counter() - start:.0f} s)"
            )
    title = (
        f"Digits test accuracy (400 images), mean ± std over {args.seeds} seeds, {args.epochs} epochs"
        f"{', last layer dense' if args.dense_last else ''}; "
        f"paper anchor: {PAPER_LOSS_2_8} % average loss at 2:8 (BDWP, SAT paper)"
    )
    table = Table(title=title)
    for column in ("model", "method", "N:M", "accuracy %", "std", "vs dense (points)"):
        table.add_column(column, justify="left" if column in ("model", "method") else "right")
    cells = [
        (m, meth, p, f"{mean:.2f}", f"{std:.2f}", "-" if meth == "dense" else f"{delta:+.2f}")
        for m, meth, p, mean, std, delta in rows
    ]
    for row in cells:
        table.add_row(*row)
    Console().print(table)
    for m in args.models:
        bdwp = [r for r in rows if r[0] == m and r[1] == "bdwp" and r[2] == "2:8"]
        if bdwp:
            verdict = "within" if bdwp[0][5] >= -1.0 else "NOT within"
            print(
                f"{m}: bdwp 2:8 is {bdwp[0][5]:+.2f} points vs dense ({verdict} 1 point; paper anchor -{PAPER_LOSS_2_8})"
            )
    if args.markdown:
        print(
            "\n"
            + markdown.table(
                ("model", "method", "N:M", "accuracy %", "std", "vs dense"), cells, right=(3, 4, 5)
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
