"""N:M sparse training on the digits MLP and CNN: dense vs SR-STE vs BDWP.

Every run trains the model from scratch with `fpgaforge.quant.sat.sparsify(model, pattern,
method)` on the examples' digits split (1,397 training and 400 test images). The training
recipe is the same for dense and every sparse method; defaults: Adam, peak lr 1e-2
(`--lr`), cosine decay to 0 stepped per batch (`--schedule cosine`; the earlier recipe was
`--schedule constant --lr 3e-3 --epochs 30`), no warm-up (`--warmup`, in epochs), 60 epochs
(`--epochs`), batch 64, cross-entropy without label smoothing (`--label-smoothing`), no
weight decay (`--weight-decay` > 0 switches to AdamW). Masks are refreshed every step from
the dense master weights, SR-STE's decay term is on for both sparse methods (`--decay`,
default 2e-4), BDWP's backward mask is N:M of W * Mf (`--backward-from masked`, so it keeps only
weights the forward uses; `weight`: of the dense W). The CNN's first convolution (one input
channel) stays dense; every other Linear and Conv2d is N:M (`--dense-last` keeps the
classifier layer dense as well). Accuracy is the eval-mode forward, which uses the
forward-masked (N:M) weights. Rows give mean and standard deviation over `--seeds` seeds
(default 10, starting at `--first-seed`).

`--validate` trains on the first 80 % of the training images and reports accuracy on the
last 20 % (279 images) instead of the test images: the recipe was chosen that way
(docs/sat.md, "Accuracy").

Anchor (not measured here): SAT (Fang et al., TCAD 2023) reports 0.56 % average
accuracy loss at 2:8 with BDWP on its (larger) benchmarks.

    python bench/sat_accuracy.py [--seeds 10] [--epochs 60] [--schedule cosine] [--validate]
        [--dense-last] [--patterns 2:8] [--markdown]
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
LR = 1e-2
EPOCHS = 60
SCHEDULE = "cosine"
WARMUP_EPOCHS = 0.0
WEIGHT_DECAY = 0.0
LABEL_SMOOTHING = 0.0
VAL_FRACTION = 0.2
PAPER_LOSS_2_8 = 0.56  # percentage points, SAT paper abstract (anchor, not a measurement)


def lr_factor(step: int, total: int, schedule: str, warmup: int) -> float:
    """Learning-rate multiplier at optimizer step `step` of `total`.

    A linear warm-up over the first `warmup` steps, then constant (1) or a cosine from 1 to
    0 over the remaining steps.
    """
    if step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + np.cos(np.pi * progress))


def train_model(
    model_name: str,
    method: str,
    pattern: str,
    seed: int,
    epochs: int,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    decay: float = 2e-4,
    dense_last: bool = False,
    backward_from: str = "masked",
    schedule: str = SCHEDULE,
    lr: float = LR,
    warmup_epochs: float = WARMUP_EPOCHS,
    weight_decay: float = WEIGHT_DECAY,
    label_smoothing: float = LABEL_SMOOTHING,
):
    """The model `model_name` trained from scratch with `method` at `pattern` by the recipe
    (module docstring); returned in eval mode."""
    factory, shape, skip, last = MODELS[model_name]
    skip = (*skip, last) if dense_last else skip
    torch.manual_seed(seed)
    model = factory()
    if method != "dense":
        sat.sparsify(model, pattern, method, skip=skip, decay=decay, backward_from=backward_from)
    xtr = torch.from_numpy(x_train.reshape(shape))
    ytr = torch.from_numpy(y_train)
    if weight_decay > 0:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = -(-len(xtr) // BATCH)
    total = epochs * steps_per_epoch
    warmup = round(warmup_epochs * steps_per_epoch)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total, schedule, warmup)
    )
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(xtr), generator=generator)
        for start in range(0, len(xtr), BATCH):
            index = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(
                model(xtr[index]), ytr[index], label_smoothing=label_smoothing
            )
            loss.backward()
            optimizer.step()
            scheduler.step()
    return model.eval()


def accuracy(model, model_name: str, x: np.ndarray, y: np.ndarray) -> float:
    """Test accuracy of the eval-mode forward (the N:M weights) on `x`, `y`."""
    with torch.no_grad():
        logits = model(torch.from_numpy(x.reshape(MODELS[model_name][1])))
    return float((logits.argmax(1).numpy() == y).mean())


def run(
    model_name: str, method: str, pattern: str, seed: int, epochs: int, data, **recipe
) -> float:
    """Test accuracy of one training run (`train_model` with the `recipe` keywords) on
    `data`'s test images."""
    x_train, y_train, x_test, y_test = data
    model = train_model(model_name, method, pattern, seed, epochs, x_train, y_train, **recipe)
    return accuracy(model, model_name, x_test, y_test)


def validation_split(data, fraction: float = VAL_FRACTION):
    """(train, validation) from the training images only: the last `fraction` validates."""
    x_train, y_train, _, _ = data
    cut = len(x_train) - round(fraction * len(x_train))
    return x_train[:cut], y_train[:cut], x_train[cut:], y_train[cut:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds per row (default 10)")
    parser.add_argument(
        "--first-seed", type=int, default=0, help="seeds are first-seed, first-seed + 1, ..."
    )
    parser.add_argument(
        "--epochs", type=int, default=EPOCHS, help=f"training epochs (default {EPOCHS})"
    )
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
    parser.add_argument(
        "--schedule",
        choices=("cosine", "constant"),
        default=SCHEDULE,
        help=f"learning-rate schedule, stepped per batch (default {SCHEDULE})",
    )
    parser.add_argument("--lr", type=float, default=LR, help=f"peak learning rate (default {LR})")
    parser.add_argument(
        "--warmup",
        type=float,
        default=WARMUP_EPOCHS,
        help=f"linear warm-up, in epochs (default {WARMUP_EPOCHS:g})",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=WEIGHT_DECAY,
        help=f"AdamW weight decay, 0 = Adam (default {WEIGHT_DECAY:g})",
    )
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=LABEL_SMOOTHING,
        help=f"cross-entropy label smoothing (default {LABEL_SMOOTHING:g})",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help=f"train on the first {1 - VAL_FRACTION:.0%} of the training images and report "
        f"accuracy on the last {VAL_FRACTION:.0%} (the test images are not used)",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=["srste", "bdwp"],
        choices=("srste", "bdwp"),
        help="sparse methods (dense always runs)",
    )
    parser.add_argument("--patterns", nargs="+", default=list(PATTERNS), metavar="N:M")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_split()
    if args.validate:
        data = validation_split(data)
    recipe = dict(
        schedule=args.schedule,
        lr=args.lr,
        warmup_epochs=args.warmup,
        weight_decay=args.weight_decay,
        label_smoothing=args.label_smoothing,
    )
    console = Console(stderr=True)
    rows = []
    for model_name in args.models:
        dense = None
        configs = [("dense", "-")] + [(m, p) for p in args.patterns for m in args.methods]
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
                        data,
                        decay=args.decay,
                        dense_last=args.dense_last,
                        backward_from=args.backward_from,
                        **recipe,
                    )
                    for s in range(args.first_seed, args.first_seed + args.seeds)
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
    split = (
        f"validation accuracy ({len(data[3])} of the training images; trained on {len(data[1])})"
        if args.validate
        else f"test accuracy ({len(data[3])} images)"
    )
    schedule = f"{args.schedule} lr {args.lr:g}"
    schedule += f", warm-up {args.warmup:g} epochs" if args.warmup else ""
    schedule += f", AdamW wd {args.weight_decay:g}" if args.weight_decay else ""
    schedule += f", label smoothing {args.label_smoothing:g}" if args.label_smoothing else ""
    title = (
        f"Digits {split}, mean ± std over {args.seeds} seeds, {args.epochs} epochs, {schedule}"
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
