"""SAT training-step estimate: N:M against dense on ResNet-18, a BERT-base layer and ResNet-50.

    python bench/sat_training_step.py [--board vcu1525] [--batch 32] [--patterns 2:4 2:8 1:8]
                                      [--splits 8 4] [--layers] [--json out.json]

For each model and pattern: the engine, the step cycles (overlapped schedule) N:M and dense,
the speedup next to the bound 3 / (2N/M + 1) and the SAT paper's 1.75x at 2:8, the busy
cycles per phase, and the same step run one part after another; per limit of the array's
row segments (`--splits`), with the SAT array's DSP / LUT / FF. `--layers` adds the
array cycles of every GEMM, dense and N:M. The graphs are those of tests/dataflow/graphs.py
(zero weights, int8 stand-in types: the estimate needs shapes only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fpgaforge.dataflow.training import training_estimate  # noqa: E402
from tests.dataflow.graphs import bert_layer, resnet18, resnet50, set_bits  # noqa: E402

PAPER_2OF8 = 1.75
"""The SAT paper's training speedup at 2:8 (Fang et al., TCAD 2023), an anchor, not measured."""


def layer_table(rows: list[dict], pattern: str) -> None:
    """Array cycles of every GEMM, dense and N:M (`training_estimate`'s `layers`)."""
    for row in rows:
        print(
            f"    {row['layer']:<12} {row['phase']:<16} dense {row['dense_cycles']:>10,.0f}  "
            f"{pattern} {row['cycles']:>10,.0f}  ({row['cycles'] / row['dense_cycles']:.2f})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--board", default="vcu1525")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--patterns", nargs="+", default=["2:4", "2:8", "1:8"])
    parser.add_argument(
        "--splits", nargs="+", type=int, default=[8, 4], help="limits of the row segments"
    )
    parser.add_argument("--layers", action="store_true", help="per-GEMM cycles as well")
    parser.add_argument("--json", help="write the records here")
    args = parser.parse_args()
    records = []
    for name, build in (
        ("ResNet-18 224x224", resnet18),
        ("BERT-base layer, 128 tokens", bert_layer),
        ("ResNet-50 224x224", resnet50),
    ):
        graph = set_bits(build(), 8, 8)
        for splits, pattern in ((s, p) for s in args.splits for p in args.patterns):
            r = training_estimate(graph, args.board, args.batch, pattern, splits=splits)
            e, s, d = r["engine"], r["sparse"], r["dense"]
            anchor = f", paper {PAPER_2OF8}x" if pattern == "2:8" else ""
            sat = r["resources"]["sat_array"]
            print(
                f"{name}, {pattern}, {e['rows']}x{e['cols']} array, up to {e['splits_max']} "
                f"segments ({sat['dsp']:,.0f} DSP, {sat['lut']:,.0f} LUT, {sat['ff']:,.0f} FF): "
                f"speedup {r['speedup']:.3f}x "
                f"(bound {r['bound']:.2f}x, this model's MACs {r['work_bound']:.2f}x, "
                f"this array {r['array_bound']:.2f}x{anchor}); step {s['cycles']:,.0f} vs dense "
                f"{d['cycles']:,.0f} cycles; one part after another "
                f"{d['serial_cycles'] / s['serial_cycles']:.2f}x"
            )
            for phase, cycles in d["phases"].items():
                print(
                    f"    {phase:<16} dense {cycles:>12,.0f}  {pattern} {s['phases'][phase]:>12,.0f}"
                )
            print(
                f"    {'mask generation':<16} {'':>18}  {pattern} {s['phases'].get('mask generation', 0):>12,.0f}"
            )
            if args.layers:
                layer_table(r["layers"], pattern)
            records.append({"model": name, **r})
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
