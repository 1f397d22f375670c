"""Train the bundled character-level Mamba-2 LM and export its decode step to ONNX.

Text: the standard library's `pydoc_data/topics.py` (the Python reference topics,
~750k characters, no download). Vocabulary: its distinct characters, sorted. Split:
the first 90 % for training, the last 10 % held out (fixed). Model: `mamba2-chars`
(d_model 64, 2 layers, d_state 16, headdim 16, 8 heads), trained with AdamW on
random 64-character windows for a fixed number of steps with fixed seeds
(a few minutes on 2 CPU cores).

Writes to examples/models/:
- `mamba2_chars.onnx`: the decode step, inputs `token` [1] and per layer
  `conv_state_<i>`, `ssm_state_<i>`; outputs `logits` and `conv_state_<i>_out`,
  `ssm_state_<i>_out` (opset 17);
- `mamba2_chars_test.npz`: `vocab` (the characters as code points), `tokens`
  (64 held-out tokens) and `logits` (torch's step outputs for them);
- `mamba2_chars.json`: the configuration, training settings and the float bits
  per character on the held-out split.

    python -m examples.train_mamba_chars [--steps N]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpgaforge.models.config import Mamba2Config  # noqa: E402

OUT = Path(__file__).resolve().parent / "models"
SEED = 0
TRAIN_FRACTION = 0.9
CONFIG = Mamba2Config(
    d_model=64, n_layer=2, vocab_size=0, d_state=16, headdim=16, pad_vocab_size_multiple=8
)


def corpus() -> tuple[list[str], np.ndarray, np.ndarray]:
    """(vocabulary, train tokens, held-out tokens) of pydoc_data/topics.py."""
    import pydoc_data.topics

    text = Path(pydoc_data.topics.__file__).read_text(encoding="utf-8")
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    tokens = np.array([index[ch] for ch in text], dtype=np.int64)
    cut = int(len(tokens) * TRAIN_FRACTION)
    return vocab, tokens[:cut], tokens[cut:]


def config_for(vocab: list[str]) -> Mamba2Config:
    from dataclasses import replace

    return replace(CONFIG, vocab_size=len(vocab))


def step_module(model):
    """The model's decode step with flat inputs and outputs, for ONNX export."""
    import torch

    class Step(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, token, *flat):
            state = [(flat[2 * i], flat[2 * i + 1]) for i in range(len(flat) // 2)]
            logits, new = self.model.step(token, state)
            return (logits, *[t for pair in new for t in pair])

    return Step().eval()


def export(model, path: Path) -> None:
    import torch

    n = model.cfg.n_layer
    state = [t for pair in model.init_state(1) for t in pair]
    inputs = ["token"] + [f"{k}_state_{i}" for i in range(n) for k in ("conv", "ssm")]
    outputs = ["logits"] + [f"{k}_state_{i}_out" for i in range(n) for k in ("conv", "ssm")]
    buffer = io.BytesIO()
    torch.onnx.export(
        step_module(model), (torch.tensor([0]), *state), buffer, dynamo=False,
        opset_version=17, input_names=inputs, output_names=outputs,
    )  # fmt: skip
    path.write_bytes(buffer.getvalue())


def held_out_bpc(model, tokens: np.ndarray, length: int = 256) -> float:
    """Bits per character of the scan form over the held-out split in windows of `length`
    (each window from a zero state)."""
    import torch

    usable = len(tokens) // length * length
    windows = torch.from_numpy(tokens[:usable].reshape(-1, length))
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(windows), 64):
            batch = windows[i : i + 64]
            logits = model(batch[:, :-1])
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1), reduction="sum"
            )
            total += float(loss)
            count += batch[:, 1:].numel()
    return total / count / math.log(2)


def main(argv: list[str] | None = None) -> int:
    import torch

    from fpgaforge.models.mamba2 import Mamba2LM

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)
    vocab, train, held = corpus()
    cfg = config_for(vocab)
    model = Mamba2LM(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    batch, length = 32, 64
    start = time.perf_counter()
    for step in range(args.steps):
        lr = 3e-3 * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for group in opt.param_groups:
            group["lr"] = lr
        offsets = rng.integers(0, len(train) - length - 1, batch)
        window = torch.from_numpy(np.stack([train[o : o + length + 1] for o in offsets]))
        logits = model(window[:, :-1])
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), window[:, 1:].reshape(-1)
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps - 1:
            bpc = float(loss) / math.log(2)
            print(f"step {step:5d}  train {bpc:.3f} bpc  {time.perf_counter() - start:6.1f} s")
    model.eval()
    bpc = held_out_bpc(model, held)
    print(f"held-out: {bpc:.4f} bits per character")
    args.out.mkdir(parents=True, exist_ok=True)
    export(model, args.out / "mamba2_chars.onnx")
    tokens = held[:64]
    state = model.init_state(1)
    logits = []
    with torch.no_grad():
        for t in tokens:
            out, state = model.step(torch.tensor([int(t)]), state)
            logits.append(out.numpy()[0])
    np.savez_compressed(
        args.out / "mamba2_chars_test.npz",
        vocab=np.array([ord(ch) for ch in vocab], dtype=np.int32),
        tokens=tokens,
        logits=np.stack(logits).astype(np.float32),
    )
    meta = {
        "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
        "text": "pydoc_data/topics.py",
        "train_fraction": TRAIN_FRACTION,
        "steps": args.steps,
        "batch": batch,
        "length": length,
        "seed": SEED,
        "held_out_bpc": round(bpc, 4),
        "train_seconds": round(time.perf_counter() - start, 1),
    }
    (args.out / "mamba2_chars.json").write_text(json.dumps(meta, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
