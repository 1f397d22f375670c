"""The ONNX light model zoo through the whole flow, one row per model.

    python bench/zoo_flow.py                      # every model, one process per step
    python bench/zoo_flow.py squeezenet vgg19     # some of them
    python bench/zoo_flow.py --no-csim            # skip the C simulation

The light zoo files (`onnx/backend/test/data/light/*.onnx`, shipped in the onnx wheel)
have the real architectures with placeholder weights, so the numbers below say how the
flow scales, not how accurate the models are. Per model:

- import: `fpgaforge.load` time;
- quantize: `fpgaforge.quantize(graph, "int8")` with the default calibration (64 uniform
  inputs), its time and the peak RSS of that process;
- SQNR of the logits (the input of a final Softmax, else the output) of the integer
  emulation against float on 8 uniform inputs;
- estimate on zcu104 and u280: inferences/s, latency, DSP / LUT / BRAM used;
- build (HLS backend, zcu104, int8 calibrated on 8 inputs, 1 test vector): time and the
  peak RSS of that process;
- csim: g++ C simulation of the built project on its vector (mismatches), with a timeout.

Each step runs in its own process so peak RSS is the step's own.

Two transformer rows (`transformer_encoder`, `vit_tiny`, defined in
`bench/zoo_transformers.py`) come from PyTorch through the dynamo exporter; their
"import" time is the export and load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ZOO = [
    "bvlc_alexnet",
    "densenet121",
    "inception_v1",
    "inception_v2",
    "resnet50",
    "shufflenet",
    "squeezenet",
    "vgg19",
    "zfnet512",
]
BOARDS = ("zcu104", "u280")
TRANSFORMERS = ("transformer_encoder", "vit_tiny")


def zoo_path(name: str) -> Path:
    import onnx

    return Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / f"light_{name}.onnx"


def load_model(name: str):
    """The graph of a zoo model or of a transformer row."""
    import fpgaforge

    if name in TRANSFORMERS:
        from zoo_transformers import load_model as load_transformer

        return load_transformer(name)
    return fpgaforge.load(zoo_path(name))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _logits(graph):
    last = graph.outputs[0].producer
    if last is not None and last.op == "Softmax":
        return last.inputs[0].name
    return graph.outputs[0].name


def step_quantize(name: str) -> dict:
    import fpgaforge
    from fpgaforge.dataflow import schedule

    t0 = time.perf_counter()
    graph = load_model(name)
    t1 = time.perf_counter()
    qgraph = fpgaforge.quantize(graph, "int8")
    t2 = time.perf_counter()
    peak = _peak_mb()
    logits = _logits(graph)
    rng = np.random.default_rng(1)
    feeds = {v.name: rng.uniform(-1, 1, (8, *v.shape[1:])).astype(np.float32) for v in graph.inputs}
    ref = np.asarray(fpgaforge.execute(graph, feeds, outputs=[logits])[logits], np.float64)
    qname = qgraph.metadata["value_map"][logits]
    got = np.asarray(fpgaforge.execute(qgraph, feeds, outputs=[qname])[qname], np.float64)
    noise = float(((ref - got) ** 2).sum())
    sqnr = float("inf") if noise == 0 else 10 * np.log10(float((ref**2).sum()) / noise)
    row = {
        "model": name,
        "import_s": t1 - t0,
        "quantize_s": t2 - t1,
        "quantize_peak_mb": peak,
        "sqnr_db": sqnr,
        "logits_std": float(ref.std()),
    }
    for board in BOARDS:
        sched = schedule(qgraph, board)
        r = sched.report
        used = {k: r.resources.get(k, {}).get("used", 0) for k in ("dsp", "lut", "bram")}
        row[board] = {
            "fps": r.throughput,
            "latency_ms": r.latency_s * 1e3,
            "mode": sched.mode,
            **used,
        }
    return row


def step_build(name: str, out: str) -> dict:
    from fpgaforge.flow import build
    from fpgaforge.quant.calibrate import default_calibration

    graph = load_model(name)
    t0 = time.perf_counter()
    build(
        graph,
        "zcu104",
        "int8",
        out,
        calibration=default_calibration(graph, samples=8),
        backend="hls",
        vectors=1,
        force=True,
    )
    return {"build_s": time.perf_counter() - t0, "build_peak_mb": _peak_mb()}


def step_csim(out: str) -> dict:
    from fpgaforge.hls import run_csim

    t0 = time.perf_counter()
    result = run_csim(out)
    return {
        "csim_s": time.perf_counter() - t0,
        "csim_vectors": result.vectors,
        "csim_mismatches": result.mismatches,
    }


def _child(args: list[str], timeout: float) -> dict:
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--step", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return {"error": lines[-1] if lines else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(row: dict) -> str:
    def num(v, f="{:.1f}"):
        return "—" if v is None else f.format(v)

    cells = [row["model"]]
    if "error" in row.get("q", {}):
        return f"| {row['model']} | quantize failed: {row['q']['error']} |"
    q = row["q"]
    cells += [
        num(q["import_s"]),
        num(q["quantize_s"]),
        num(q["quantize_peak_mb"], "{:.0f}"),
        "— (logits constant)" if q.get("logits_std") == 0 else num(q["sqnr_db"]),
    ]
    for board in BOARDS:
        e = q[board]
        cells += [
            num(e["fps"]),
            num(e["latency_ms"], "{:.2f}"),
            f"{e['dsp']:.0f} / {e['lut'] / 1000:.0f}k / {e['bram']:.0f}",
        ]
    b = row.get("b", {})
    cells += [b.get("error") or f"{b['build_s']:.1f} s / {b['build_peak_mb']:.0f} MB"]
    c = row.get("c", {})
    cells += [
        "skipped"
        if not c
        else c.get("error")
        or f"{c['csim_vectors']} vec, {c['csim_mismatches']} mism. ({c['csim_s']:.0f} s)"
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| model | import s | quantize s | quantize MB | logits SQNR dB | zcu104 inf/s | zcu104 ms "
    "| zcu104 DSP / LUT / BRAM | u280 inf/s | u280 ms | u280 DSP / LUT / BRAM | build (HLS) "
    "| csim |\n|" + "---|" * 13
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=[*ZOO, *TRANSFORMERS])
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--no-csim", action="store_true")
    parser.add_argument("--csim-timeout", type=float, default=900.0)
    parser.add_argument("--json", metavar="OUT.json")
    args = parser.parse_args()
    if args.step:
        kind, *rest = args.step
        result = {"quantize": step_quantize, "build": step_build, "csim": step_csim}[kind](*rest)
        print(json.dumps(result))
        return
    rows = []
    print(HEADER, flush=True)
    for name in args.models:
        with tempfile.TemporaryDirectory() as tmp:
            out = str(Path(tmp) / "prj")
            row = {"model": name, "q": _child(["quantize", name], 1800)}
            row["b"] = _child(["build", name, out], 1800)
            if not args.no_csim and "error" not in row["b"]:
                row["c"] = _child(["csim", out], args.csim_timeout)
        rows.append(row)
        print(_fmt(row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
