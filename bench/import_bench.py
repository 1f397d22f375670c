"""Import benchmark: ResNet-50 from PyTorch through ONNX into fpgaforge.

Builds a randomly initialised ResNet-50 (plain torch, fixed seed, eval mode),
exports it to ONNX (TorchScript exporter, opset 13) in a temporary folder and
times `fpgaforge.load`, a one-image `fpgaforge.execute` (1×3×224×224) and the
two together, and reports the largest difference from onnxruntime.
Target: import + execute under 5 s on 2 cores.

Run from the repository root::

    python bench/import_bench.py [--profile]

`--profile` also prints the top cProfile entries of load and execute.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import pstats
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnxruntime as ort
import torch
from rich.console import Console
from rich.table import Table

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fpgaforge  # noqa: E402
from examples.torch_models import ResNet50  # noqa: E402
from fpgaforge.report.numbers import seconds  # noqa: E402

T = TypeVar("T")
TARGET_S = 5.0


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Call `fn` and return its result and wall-clock seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def example_input() -> torch.Tensor:
    """The seeded 1×3×224×224 benchmark image."""
    return torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))


def export_resnet50(path: Path) -> float:
    """Export a seeded, eval-mode ResNet-50 to `path` (opset 13, input 'x', output 'logits').

    Returns the export's wall-clock seconds.
    """
    start = time.perf_counter()
    x = example_input()
    torch.manual_seed(0)
    model = ResNet50().eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (x,),
            str(path),
            dynamo=False,
            opset_version=13,
            input_names=["x"],
            output_names=["logits"],
        )
    return time.perf_counter() - start


def export_in_subprocess(path: Path) -> float:
    """Run `export_resnet50` in a fresh process and return its export time.

    Exporting in this process would leave torch's OpenMP workers spinning,
    which on 2 cores slows the numpy work timed next by up to 5×.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(export_resnet50, path).result()


def profile(fn: Callable[[], object], title: str, console: Console, top: int = 15) -> None:
    """Print the `top` cumulative-time entries of one call of `fn`."""
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    console.rule(f"cProfile: {title}")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(top)


def main() -> None:
    """Run the benchmark and print a table of timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="cProfile load and execute")
    args = parser.parse_args()
    console = Console()

    feeds = {"x": example_input().numpy()}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet50.onnx"
        t_export = export_in_subprocess(path)
        size_mb = path.stat().st_size / 2**20

        graph, t_load = timed(lambda: fpgaforge.load(path))
        outputs, t_exec = timed(lambda: fpgaforge.execute(graph, feeds))
        _, t_warm = timed(lambda: fpgaforge.execute(graph, feeds))
        reference = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
            None, feeds
        )[0]
        if args.profile:
            profile(lambda: fpgaforge.load(path), "fpgaforge.load", console)
            profile(lambda: fpgaforge.execute(graph, feeds), "fpgaforge.execute", console)

    logits = outputs["logits"]
    diff = float(np.abs(logits - reference).max())
    scale = float(np.abs(reference).max())
    total = t_load + t_exec

    table = Table(title=f"ResNet-50 import benchmark (torch threads: {torch.get_num_threads()})")
    table.add_column("step")
    table.add_column("value", justify="right")
    table.add_row("torch.onnx.export (opset 13)", f"{seconds(t_export, 2)} ({size_mb:.0f} MiB)")
    table.add_row("fpgaforge.load", seconds(t_load, 2))
    table.add_row("fpgaforge.execute (1×3×224×224)", seconds(t_exec, 2))
    table.add_row("fpgaforge.execute, second call", seconds(t_warm, 2))
    verdict = "[green]ok[/green]" if total < TARGET_S else "[red]over[/red]"
    table.add_row(
        "load + execute", f"{seconds(total, 2)} ({verdict}, target < {seconds(TARGET_S, 0)})"
    )
    table.add_row("graph nodes", str(len(graph.nodes)))
    table.add_row("max |fpgaforge − onnxruntime|", f"{diff:.3g} (max |logit| {scale:.3g})")
    console.print(table)


if __name__ == "__main__":
    main()
