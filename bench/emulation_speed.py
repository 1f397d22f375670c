"""Speed of the bit-exact integer emulation (`fpgaforge.execute` on a quantized graph).

    python bench/emulation_speed.py [--vectors N] [--repeats R] [--no-densenet]

For the bundled MLP and CNN (int8 and fixed:8,3, calibrated on their test set) it
prints vectors/s of the integer emulation on N vectors (default 10,000) with the
float-BLAS multiply-accumulate ("fast") and with the plain int64 path kept as the
reference (`int64_reference()`, "int64"), after checking both give the same codes.
Then DenseNet-121 (the ONNX test-data model, int8, calibrated on 2 random images):
float execution time against integer execution time on 2 images: the first integer
run (which builds the per-layer plans), then R more runs of each, interleaved, reported
as the best and the median of the R (`--repeats`, default 5; the best is the figure
least disturbed by other load on the machine).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import onnx

import fpgaforge
from fpgaforge.ir.executor import execute
from fpgaforge.ir.ops.intmac import int64_reference

MODELS = Path(__file__).resolve().parents[1] / "examples" / "models"
DENSENET = (
    Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_densenet121.onnx"
)


def _timed(graph, feeds, **kw) -> tuple[float, dict[str, np.ndarray]]:
    start = time.perf_counter()
    out = execute(graph, feeds, **kw)
    return time.perf_counter() - start, out


def small_models(vectors: int) -> None:
    print(
        f"{'model':12} {'spec':10} {'vectors':>7} {'int64 vec/s':>12} {'fast vec/s':>11} {'speedup':>8}"
    )
    for model in ("digits_mlp", "digits_cnn"):
        graph = fpgaforge.load(MODELS / f"{model}.onnx")
        data = np.load(MODELS / f"{model}_test.npz")["x"]
        x = np.resize(data, (vectors, *data.shape[1:]))
        for spec in ("int8", "fixed:8,3"):
            q = fpgaforge.quantize(graph, spec, {"x": data})
            execute(q, {"x": data[:2]})  # builds the per-layer plans
            fast_s, fast = _timed(q, {"x": x}, as_codes=True)
            with int64_reference():
                ref_s, ref = _timed(q, {"x": x}, as_codes=True)
            for name, codes in ref.items():
                if not np.array_equal(codes, fast[name]):
                    raise SystemExit(f"{model} {spec}: output {name!r} differs between the paths")
            print(
                f"{model:12} {spec:10} {vectors:7d} {vectors / ref_s:12,.0f} "
                f"{vectors / fast_s:11,.0f} {ref_s / fast_s:7.1f}x"
            )


def densenet(repeats: int) -> None:
    graph = fpgaforge.load(DENSENET)
    name = graph.inputs[0].name
    images = np.random.default_rng(0).random((2, 3, 224, 224), dtype=np.float32)
    start = time.perf_counter()
    q = fpgaforge.quantize(graph, "int8", {name: images})
    print(
        f"\nDenseNet-121 int8: quantized in {time.perf_counter() - start:.1f} s (2 calibration images)"
    )
    _timed(graph, {name: images})  # warm-up
    first_s, first = _timed(q, {name: images}, as_codes=True)
    float_runs, int_runs = [], []
    for _ in range(repeats):
        float_runs.append(_timed(graph, {name: images})[0])
        int_runs.append(_timed(q, {name: images}, as_codes=True)[0])
    with int64_reference():
        ref_s, ref = _timed(q, {name: images}, as_codes=True)
    same = all(np.array_equal(ref[k], first[k]) for k in ref)
    float_best, float_median = min(float_runs), float(np.median(float_runs))
    print(f"{'2 images':34} {'seconds':>8} {'x float':>8}")
    for label, seconds, base in (
        (f"float execute, best of {repeats}", float_best, float_best),
        (f"float execute, median of {repeats}", float_median, float_median),
        ("integer, first run", first_s, float_best),
        (f"integer, best of {repeats} more", min(int_runs), float_best),
        (f"integer, median of {repeats} more", float(np.median(int_runs)), float_median),
        ("integer, int64 path", ref_s, float_best),
    ):
        print(f"{label:34} {seconds:8.2f} {seconds / base:7.2f}x")
    print(f"fast and int64 paths give the same codes: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-densenet", action="store_true")
    args = parser.parse_args()
    small_models(args.vectors)
    if not args.no_densenet:
        densenet(max(1, args.repeats))


if __name__ == "__main__":
    main()
