"""Bits per character of the bundled character-level Mamba-2 under each quantization.

Model: examples/models/mamba2_chars.onnx (trained by examples/train_mamba_chars.py on
pydoc_data/topics.py), imported with `fpgaforge.load` (its decode step maps to RMSNorm,
CausalConv1d and SSMStep). Text: the held-out last 10 % of topics.py, cut into
`--streams` windows of `--length` characters, each decoded token by token from a zero
state (all windows in one batch). Rows: float32 (`fpgaforge.execute` of the float
graph) and the integer emulation of w8a8, w4a4-rtn, lightmamba without rotation,
lightmamba, and lightmamba with 16-, 8- and 6-bit state. Calibration: 256 training
characters. The paper's claims are printed beside as anchors, not as measurements.

    python bench/lightmamba_accuracy.py [--streams 64] [--length 256]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fpgaforge  # noqa: E402
from examples.train_mamba_chars import corpus  # noqa: E402
from fpgaforge.quant.lightmamba.lower import state_pairs  # noqa: E402

MODEL = ROOT / "examples" / "models" / "mamba2_chars.onnx"
ROWS = [
    ("float32", None),
    ("w8a8", "w8a8"),
    ("w4a4-rtn", "w4a4-rtn"),
    ("lightmamba, rotation off", "lightmamba:rotation=off"),
    ("lightmamba", "lightmamba"),
    ("lightmamba, state 16 bits", "lightmamba:state_bits=16"),
    ("lightmamba, state 8 bits", "lightmamba:state_bits=8"),
    ("lightmamba, state 6 bits", "lightmamba:state_bits=6"),
]
ANCHORS = {
    "lightmamba": "paper: W4A4 linears + PoT SSM, rotation-assisted (its perplexity "
    "tables were not reachable here)",
    "lightmamba, rotation off": "paper: rotation spreads outliers (ablation figures not available here)",
    "lightmamba, state 8 bits": "release: state re-quantized to 8 bits each token",
}


def bits_per_char(graph, windows: np.ndarray) -> float:
    """Mean -log2 p(next char) over all windows, decoding token by token."""
    pairs = state_pairs(graph)
    streams = len(windows)
    feeds = {}
    for value in graph.inputs:
        if value.name in pairs:
            dtype = value.dtype if isinstance(value.dtype, np.dtype) else np.float32
            feeds[value.name] = np.zeros((streams, *value.shape[1:]), dtype)
    token_name = next(v.name for v in graph.inputs if v.name not in pairs)
    logits_name = next(v.name for v in graph.outputs if v.name not in pairs.values())
    total = 0.0
    for t in range(windows.shape[1] - 1):
        out = fpgaforge.execute(graph, {token_name: windows[:, t], **feeds})
        logits = np.asarray(out[logits_name], np.float64)
        logits = logits - logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        total -= logp[np.arange(streams), windows[:, t + 1]].sum()
        feeds = {k: out[v] for k, v in pairs.items()}
    return total / (streams * (windows.shape[1] - 1)) / math.log(2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=64)
    parser.add_argument("--length", type=int, default=256)
    args = parser.parse_args(argv)
    _, train, held = corpus()
    graph = fpgaforge.load(MODEL)
    ops = graph.op_counts()
    step = held.size // args.streams
    windows = np.stack([held[i * step : i * step + args.length] for i in range(args.streams)])
    calibration = {"tokens": train[:256]}
    console = Console()
    console.print(
        f"mamba2_chars: {sum(v.size for v in graph.constants()):,} parameters; imported ops "
        f"SSMStep {ops.get('SSMStep', 0)}, CausalConv1d {ops.get('CausalConv1d', 0)}, "
        f"RMSNorm {ops.get('RMSNorm', 0)}; {args.streams} x {args.length} held-out characters"
    )
    table = Table(title="bits per character (held-out split)", title_justify="left")
    for column in ("method", "spec", "bpc", "vs float", "seconds"):
        table.add_column(column, overflow="fold")
    base = None
    for label, spec in ROWS:
        start = time.perf_counter()
        qgraph = graph if spec is None else fpgaforge.quantize(graph, spec, calibration)
        bpc = bits_per_char(qgraph, windows)
        base = bpc if base is None else base
        delta = f"{100 * (bpc / base - 1):+.1f} %"
        table.add_row(label, spec or "-", f"{bpc:.4f}", delta, f"{time.perf_counter() - start:.1f}")
        console.print(f"  {label}: {bpc:.4f} bpc")
    console.print(table)
    console.print("Anchors (claims of the paper and its code release, not measured here):")
    for label, claim in ANCHORS.items():
        console.print(f"  {label}: {claim}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
