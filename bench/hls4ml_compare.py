"""Peer check: fpgaforge's HLS flow against hls4ml 1.3 (Vitis backend, io_parallel, Latency).

For the bundled MLP and CNN and each spec in SPECS, both tools get the SAME numbers:

- weights and biases: fpgaforge's quantized codes times their lsb (so hls4ml's own
  float→ap_fixed conversion of the weight tables is exact), in a torch model built from
  fpgaforge's imported float graph, i.e. with BatchNorm already folded into the conv
  weights and bias (fpgaforge folds it at import);
- inputs: fpgaforge's quantized input grid (`x_q`), so hls4ml's input cast is exact;
- per layer `Precision`: weight / bias = fpgaforge's weight / bias type, accum =
  fpgaforge's accumulator type, result = fpgaforge's output type (same Q and O modes);
  `ReuseFactor` 1, `Strategy` Latency, `io_parallel`.

Then three ablations show, one at a time, why a plain hls4ml conversion differs
(`explain()` prints the causes). Prints (a) output agreement, (b) tool time and (c)
software throughput on 10,000 vectors. Run: `python bench/hls4ml_compare.py` (needs hls4ml
and g++; not part of the test suite). `--quick` runs only the matched configs.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fpgaforge  # noqa: E402
from fpgaforge.flow import build  # noqa: E402
from fpgaforge.hls import run_csim  # noqa: E402
from fpgaforge.numerics import fixed  # noqa: E402
from fpgaforge.numerics.types import Fixed  # noqa: E402
from fpgaforge.report import markdown  # noqa: E402

SPECS = ("fixed:16,6,TRN,WRAP", "fixed:8,3,TRN,WRAP", "fixed:8,3")
"""`fixed:16,6,TRN,WRAP` is hls4ml's default `ap_fixed<16,6>`; `fixed:8,3` is RND/SAT."""
N_CHECK, N_SPEED = 100, 10_000


# ---- what fpgaforge built ------------------------------------------------------------
@dataclass
class Layer:
    """One hls4ml-visible layer of the quantized graph, in order."""

    kind: str  # dense, conv, relu, maxpool, flatten
    node: object = None  # the fpgaforge node (dense/conv/pool)
    weight: np.ndarray | None = None  # real values on fpgaforge's weight grid
    bias: np.ndarray | None = None
    weight_t: Fixed | None = None
    bias_t: Fixed | None = None
    accum_t: Fixed | None = None
    result_t: Fixed | None = None  # the type this layer's output has in fpgaforge
    followed_by_relu: bool = False


def _real(value) -> np.ndarray:
    return fixed.to_float(np.asarray(value.const), value.dtype)


def layers_of(q) -> list[Layer]:
    """The layer list hls4ml must see, with fpgaforge's types and quantized parameters."""
    plan = q.metadata["type_plan"]
    out: list[Layer] = []
    for node in q.nodes:
        if node.op in ("Dense", "Conv"):
            users = node.outputs[0].users
            relu = len(users) == 1 and users[0].op == "Activation"
            requant = (users[0].outputs[0].users if relu else users)[0]
            out.append(
                Layer(
                    "dense" if node.op == "Dense" else "conv",
                    node,
                    _real(node.inputs[1]),
                    _real(node.inputs[2]),
                    node.inputs[1].dtype,
                    plan.biases.get(node.name, node.inputs[2].dtype),
                    node.outputs[0].dtype,
                    requant.outputs[0].dtype,
                    relu,
                )
            )
            if relu:
                out.append(Layer("relu", result_t=requant.outputs[0].dtype))
        elif node.op == "Pool":
            out.append(Layer("maxpool", node, result_t=node.outputs[0].dtype))
        elif node.op == "Reshape":
            out.append(Layer("flatten", node, result_t=node.outputs[0].dtype))
        elif node.op not in ("Quantize", "Requant", "Activation"):
            raise ValueError(f"bench does not map {node.op}")
    return out


def torch_of(layers: list[Layer]) -> torch.nn.Module:
    """A torch model with exactly fpgaforge's (BN-folded, quantized) parameters.

    Modules are `net.<i>`, so hls4ml names them `net_<i>`."""
    mods: list[torch.nn.Module] = []
    for layer in layers:
        if layer.kind == "dense":
            n_out, n_in = layer.weight.shape
            mod = torch.nn.Linear(n_in, n_out)
        elif layer.kind == "conv":
            a = layer.node.attrs
            n_out, n_in, kh, kw = layer.weight.shape
            mod = torch.nn.Conv2d(n_in, n_out, (kh, kw), stride=a["strides"], padding=a["pads"][:2])
        elif layer.kind == "relu":
            mod = torch.nn.ReLU()
        elif layer.kind == "maxpool":
            mod = torch.nn.MaxPool2d(layer.node.attrs["kernel"], layer.node.attrs["strides"])
        else:
            mod = torch.nn.Flatten()
        if layer.weight is not None:
            with torch.no_grad():
                mod.weight.copy_(torch.tensor(layer.weight))
                mod.bias.copy_(torch.tensor(layer.bias))
        mods.append(mod)
    return _Net(mods).eval()


class _Net(torch.nn.Module):
    def __init__(self, mods: list[torch.nn.Module]) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


# ---- hls4ml --------------------------------------------------------------------------
def hls4ml_config(layers, in_t: Fixed, model, shape, variant: str) -> dict:
    """hls4ml config. variant: 'matched' (every type = fpgaforge's), 'result_before_relu'
    (dense/conv result_t = output type, ReLU after the cast), 'auto_accum' (hls4ml infers
    accumulators), 'default' (only default_precision set, like a plain conversion)."""
    import hls4ml

    out_t = layers[-1].result_t
    cfg = hls4ml.utils.config_from_pytorch_model(
        model,
        shape,
        granularity="name",
        default_precision=out_t.cpp(),
        default_reuse_factor=1,
    )
    cfg["Model"]["Strategy"] = "Latency"
    if variant == "default":
        return cfg
    names = cfg["LayerName"]
    names["x"]["Precision"] = {"result": in_t.cpp()}
    for i, layer in enumerate(layers):
        c = names[f"net_{i}"]
        c["ReuseFactor"] = 1
        prec = {"result": layer.result_t.cpp()}
        if layer.weight is not None:
            prec.update(weight=layer.weight_t.cpp(), bias=layer.bias_t.cpp())
            prec["accum"] = layer.accum_t.cpp() if variant != "auto_accum" else "auto"
            if layer.followed_by_relu and variant != "result_before_relu":
                # fpgaforge runs ReLU on the accumulator, then casts: give ReLU the exact sum
                prec["result"] = layer.accum_t.cpp()
        c["Precision"] = prec
    return cfg


def hls4ml_run(layers, in_t, x_grid: np.ndarray, shape, variant: str, out_dir: Path):
    import hls4ml

    model = torch_of(layers)
    t0 = time.perf_counter()
    cfg = hls4ml_config(layers, in_t, model, shape, variant)
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=cfg, output_dir=str(out_dir), backend="Vitis", io_type="io_parallel"
    )
    hls_model.compile()
    flat = np.ascontiguousarray(x_grid.reshape(len(x_grid), -1), dtype=np.float64)
    y = np.asarray(hls_model.predict(flat[:N_CHECK])).reshape(N_CHECK, -1)
    t_tool = time.perf_counter() - t0
    t0 = time.perf_counter()
    hls_model.predict(flat)
    t_pred = time.perf_counter() - t0
    return y, t_tool, t_pred


def hls4ml_run_bn(name: str, spec: Fixed, x_grid, out_dir: Path):
    """Ablation: the original torch model (BatchNorm as its own layer, hls4ml folds or
    keeps it), only `default_precision` set."""
    import hls4ml
    import onnx
    from onnx import numpy_helper

    from examples.torch_models import DigitsCNN

    model = DigitsCNN()
    inits = {
        i.name: numpy_helper.to_array(i)
        for i in onnx.load(ROOT / "examples/models/digits_cnn.onnx").graph.initializer
    }
    state = model.state_dict()
    state.update({k: torch.tensor(v) for k, v in inits.items() if k in state})
    model.load_state_dict(state)
    model.eval()
    cfg = hls4ml.utils.config_from_pytorch_model(
        model, (1, 8, 8), granularity="name", default_precision=spec.cpp(), default_reuse_factor=1
    )
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=cfg, output_dir=str(out_dir), backend="Vitis", io_type="io_parallel"
    )
    hls_model.compile()
    flat = np.ascontiguousarray(x_grid[:N_CHECK].reshape(N_CHECK, -1), dtype=np.float64)
    return np.asarray(hls_model.predict(flat)).reshape(N_CHECK, -1)


# ---- fpgaforge -----------------------------------------------------------------------
def fpgaforge_run(name: str, spec: str, x: np.ndarray, calib: np.ndarray, out: Path):
    t0 = time.perf_counter()
    result = build(
        str(ROOT / f"examples/models/digits_{name}.onnx"),
        "pynq-z2",
        spec,
        out,
        calibration={"x": calib},
        vectors=N_CHECK,
        force=True,
    )
    csim = run_csim(out)
    t_tool = time.perf_counter() - t0
    q = result.qgraph
    out_v = q.outputs[0]
    emu = np.asarray(fpgaforge.execute(q, {"x": x[:N_CHECK]}, as_codes=True)[out_v.name])
    emu = fixed.to_float(emu.reshape(N_CHECK, -1), out_v.dtype)
    t0 = time.perf_counter()
    fpgaforge.execute(q, {"x": x})
    t_exec = time.perf_counter() - t0
    results = out / "hls" / "build" / "csim_results.txt"
    if not results.exists():  # projects written before csim moved its output to build/
        results = out / "hls" / "tb_data" / "csim_results.txt"
    codes = np.loadtxt(results, dtype=np.int64, ndmin=2)
    csim_out = fixed.to_float(codes.reshape(N_CHECK, -1), out_v.dtype)
    in_t = q.inputs[0].users[0].outputs[0].dtype
    x_grid = fixed.to_float(fixed.quantize(x, in_t), in_t)
    return q, in_t, x_grid, emu, csim_out, csim, t_tool, t_exec


def _agree(a: np.ndarray, b: np.ndarray) -> tuple[int, float]:
    return int((a == b).all(axis=1).sum()), float(np.abs(a - b).max())


def main(quick: bool = False) -> None:
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    agree_rows, speed_rows, ablation_rows = [], [], []
    for name in ("mlp", "cnn"):
        data = np.load(ROOT / f"examples/models/digits_{name}_test.npz")["x"].astype(np.float32)
        x = np.concatenate([data] * (N_SPEED // len(data) + 1))[:N_SPEED]
        shape = (64,) if name == "mlp" else (1, 8, 8)
        for spec in SPECS:
            tmp = Path(tempfile.mkdtemp(prefix="ffbench"))
            try:
                q, in_t, x_grid, emu, csim_out, csim, ff_tool, ff_exec = fpgaforge_run(
                    name, spec, x, data, tmp / "ff"
                )
                layers = layers_of(q)
                y, h_tool, h_pred = _quiet(
                    hls4ml_run, layers, in_t, x_grid, shape, "matched", tmp / "h"
                )
                same, diff = _agree(y, emu)
                same_csim, _ = _agree(csim_out, emu)
                agree_rows.append(
                    (name, spec, same, diff, same_csim, csim.mismatches, _agree(y, csim_out)[0])
                )
                speed_rows.append(
                    (name, spec, h_tool, ff_tool, N_SPEED / h_pred, N_SPEED / ff_exec)
                )
                if not quick and spec != "fixed:16,6,TRN,WRAP":
                    for variant in ("result_before_relu", "auto_accum", "default"):
                        ya, *_ = _quiet(
                            hls4ml_run, layers, in_t, x_grid, shape, variant, tmp / variant
                        )
                        ablation_rows.append((name, spec, variant, *_agree(ya, emu)))
                        print("ablation", ablation_rows[-1], file=sys.stderr, flush=True)
                    xa = x.reshape(len(x), *shape)
                    ya, *_ = _quiet(hls4ml_run, layers, in_t, xa, shape, "matched", tmp / "fl")
                    ablation_rows.append((name, spec, "float_input", *_agree(ya, emu)))
                    if name == "cnn":
                        ya = _quiet(hls4ml_run_bn, name, in_t, x_grid, tmp / "bn")
                        ablation_rows.append((name, spec, "hls4ml_bn_default", *_agree(ya, emu)))
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    print_tables(agree_rows, speed_rows, ablation_rows)


def print_tables(agree_rows: list, speed_rows: list, ablation_rows: list) -> None:
    """(a) agreement, (b)+(c) tool time and throughput, and the ablations, as Markdown."""
    print(f"\n(a) agreement on {N_CHECK} vectors (equal = every output of the vector bit-equal)\n")
    print(
        markdown.table(
            (
                "model",
                "spec",
                "hls4ml == fpgaforge emulation",
                "max abs diff",
                "fpgaforge csim == emulation",
                "csim mismatches",
                "hls4ml == fpgaforge csim",
            ),
            [
                (
                    r[0],
                    f"`{r[1]}`",
                    f"{r[2]}/{N_CHECK}",
                    f"{r[3]:.4g}",
                    f"{r[4]}/{N_CHECK}",
                    r[5],
                    f"{r[6]}/{N_CHECK}",
                )
                for r in agree_rows
            ],
        )
    )
    print("\n(b) tool time and (c) software throughput\n")
    print(
        markdown.table(
            (
                "model",
                "spec",
                "hls4ml convert+compile+predict s",
                "fpgaforge quantize+build+csim s",
                f"hls4ml predict vectors/s ({N_SPEED:,})",
                f"fpgaforge execute vectors/s ({N_SPEED:,})",
            ),
            [
                (r[0], f"`{r[1]}`", f"{r[2]:.1f}", f"{r[3]:.1f}", f"{r[4]:,.0f}", f"{r[5]:,.0f}")
                for r in speed_rows
            ],
        )
    )
    if ablation_rows:
        print("\nablations: one setting reverted to hls4ml's default at a time\n")
        print(
            markdown.table(
                ("model", "spec", "variant", "hls4ml == fpgaforge emulation", "max abs diff"),
                [
                    (r[0], f"`{r[1]}`", r[2], f"{r[3]}/{N_CHECK}", f"{r[4]:.4g}")
                    for r in ablation_rows
                ],
            )
        )
        print(EXPLAIN)


EXPLAIN = """
- result_before_relu: hls4ml casts the dense/conv accumulator to the layer's result_t and
  only then applies ReLU (a separate layer); fpgaforge runs ReLU on the accumulator and
  casts once. With RND/SAT the two orders agree (the cast is monotone and maps 0 to 0); with
  WRAP an accumulator above the output range wraps to a negative code, which hls4ml's ReLU
  then zeroes while fpgaforge keeps the wrapped value. Matched config: result_t = accum_t.
- auto_accum: hls4ml 1.3's inferred accumulator (infer_precision) is exact for these
  layers when the weights are fixed-point, so this variant usually changes nothing; a
  narrower explicit accum would wrap/truncate partial sums that fpgaforge keeps exact.
- default: only default_precision = the output type; the input, weights, biases, ReLU
  outputs and accumulators come from hls4ml's defaults/inference (weights and biases keep
  their float values and are cast by the C++ compiler with the default TRN/WRAP modes, not
  fpgaforge's per-tensor types and modes).
- float_input: hls4ml casts float inputs with input_t's mode; fpgaforge quantizes with the
  spec's rounding (RND for fixed:8,3); feeding the same grid (x_q) removes this.
- hls4ml_bn_default (CNN): the original torch model with BatchNorm; hls4ml folds BN into
  the conv in float then casts the folded weights with its own precision (or keeps a
  separate BatchNormalization layer with its own scale/bias types), so the conv weights
  and biases are not fpgaforge's.
"""


def _quiet(fn, *args):
    """Run `fn` with hls4ml's chatter (stdout) suppressed."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
