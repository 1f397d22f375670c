"""Train the bundled digits models and export them to ONNX.

Uses scikit-learn's bundled 8×8 handwritten digits (1,797 images, no download),
a fixed 1,397 / 400 train/test split, and trains three small models on the CPU:

- ``digits_mlp``    64→64→32→10 MLP, input (N, 64)
- ``digits_cnn``    two conv-BN-ReLU-maxpool stages + linear, input (N, 1, 8, 8)
- ``digits_rescnn`` small residual CNN with a strided 1×1 shortcut, input (N, 1, 8, 8)

For each it writes ``examples/models/<name>.onnx`` (opset 13, dynamic batch),
``examples/models/<name>_test.npz`` (``x``: the first 300 test inputs, ``y``:
their labels, ``logits``: torch's float outputs) and, for all models,
``examples/models/accuracy.json`` (float test accuracy over the 400 test images).

Run from the repository root (either form works)::

    python -m examples.train_digits
    python examples/train_digits.py
"""

from __future__ import annotations

import io
import json
import random
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import torch
from sklearn.datasets import load_digits
from torch import nn

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examples.torch_models import DigitsCNN, DigitsMLP, DigitsResCNN  # noqa: E402

SEED = 0
N_TEST = 400
N_SAVED = 300
EPOCHS = 30
BATCH = 64
LR = 3e-3
MODELS_DIR = Path(__file__).resolve().parent / "models"

MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "digits_mlp": (DigitsMLP, (64,)),
    "digits_cnn": (DigitsCNN, (1, 8, 8)),
    "digits_rescnn": (DigitsResCNN, (1, 8, 8)),
}


def seed_everything(seed: int) -> None:
    """Fix every random seed and make torch deterministic and single-threaded."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)


def load_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (x_train, y_train, x_test, y_test): pixels in [0, 1], fixed permutation."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # (1797, 64)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(len(x))
    test, train = order[:N_TEST], order[N_TEST:]
    return x[train], y[train], x[test], y[test]


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """Train with Adam and cross-entropy for EPOCHS epochs of shuffled mini-batches."""
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """Export with the TorchScript exporter (opset 13, dynamic batch) to `path`.

    `TrainingMode.PRESERVE` on an eval-mode model keeps the BatchNormalization
    nodes (the default EVAL mode would fold them into the convolutions), so the
    fpgaforge importer is the one that folds them.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy exporter and PRESERVE mode are intended
        torch.onnx.export(
            model,
            (example,),
            buffer,
            dynamo=False,
            opset_version=13,
            training=torch.onnx.TrainingMode.PRESERVE,
            input_names=["x"],
            output_names=["logits"],
            dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}},
        )
    proto = onnx.load_from_string(buffer.getvalue())
    proto.ir_version = min(proto.ir_version, 10)  # onnxruntime 1.31 reads IR ≤ 10
    proto.producer_version = torch.__version__.split("+")[0]
    onnx.checker.check_model(proto)
    path.write_bytes(proto.SerializeToString())


def main() -> None:
    """Train, evaluate and export all digits models; print an accuracy table."""
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    x_train, y_train, x_test, y_test = load_split()
    accuracy: dict[str, float] = {}
    rows: list[tuple[str, int, float, float]] = []
    for name, (factory, shape) in MODELS.items():
        seed_everything(SEED)
        start = time.perf_counter()
        model = factory()
        xt = torch.from_numpy(x_train).reshape(-1, *shape)
        xs = torch.from_numpy(x_test).reshape(-1, *shape)
        train(model, xt, torch.from_numpy(y_train))
        with torch.no_grad():
            logits = model(xs)
        acc = float((logits.argmax(1).numpy() == y_test).mean())
        accuracy[name] = round(acc, 4)
        export_onnx(model, xs[:1], MODELS_DIR / f"{name}.onnx")
        np.savez_compressed(
            MODELS_DIR / f"{name}_test.npz",
            x=xs[:N_SAVED].numpy().astype(np.float32),
            y=y_test[:N_SAVED].astype(np.int64),
            logits=logits[:N_SAVED].numpy().astype(np.float32),
        )
        params = sum(p.numel() for p in model.parameters())
        rows.append((name, params, acc, time.perf_counter() - start))
    (MODELS_DIR / "accuracy.json").write_text(json.dumps(accuracy, indent=2) + "\n")

    print(f"{'model':<15} {'params':>8} {'test acc':>9} {'time (s)':>9}")
    for name, params, acc, seconds in rows:
        print(f"{name:<15} {params:>8} {acc:>9.2%} {seconds:>9.1f}")
    print(f"(train {len(x_train)}, test {len(x_test)}; files in {MODELS_DIR})")


if __name__ == "__main__":
    main()
