"""Compare fpgaforge's HLS flow with hls4ml 1.3 (Vitis backend, io_parallel) on the bundled MLP and CNN.

Same precisions: weights/biases/activations ap_fixed<8,3> (spec fixed:8,3), results RND/SAT, accumulators
the fpgaforge accumulator type of each layer. hls4ml gets the torch modules from examples/torch_models.py
with the weights of the ONNX initializers. Prints (a) output agreement, (b) end-to-end tool time and
(c) software throughput. Run: python bench/hls4ml_compare.py  (not part of the test suite).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fpgaforge  # noqa: E402
from examples.torch_models import DigitsCNN, DigitsMLP  # noqa: E402
from fpgaforge.flow import build  # noqa: E402
from fpgaforge.hls import run_csim  # noqa: E402

SPEC, PREC = "fixed:8,3", "ap_fixed<8,3>"


def torch_model(name: str) -> torch.nn.Module:
    model = {"mlp": DigitsMLP, "cnn": DigitsCNN}[name]()
    inits = {
        i.name: numpy_helper.to_array(i)
        for i in onnx.load(ROOT / f"examples/models/digits_{name}.onnx").graph.initializer
    }
    state = model.state_dict()
    loaded = {k: torch.tensor(inits[k]) for k in state if k in inits}
    model.load_state_dict({**state, **loaded}, strict=False)
    missing = sorted(set(state) - set(loaded))
    return model.eval(), missing


def hls4ml_run(name: str, x: np.ndarray, accum: dict[str, str], out_dir: Path):
    import hls4ml

    model, missing = torch_model(name)
    shape = (64,) if name == "mlp" else (1, 8, 8)
    t0 = time.perf_counter()
    config = hls4ml.utils.config_from_pytorch_model(
        model, shape, granularity="name", default_precision=PREC, default_reuse_factor=1
    )
    for layer, cfg in config["LayerName"].items():
        prec = cfg.setdefault("Precision", {}) if isinstance(cfg.get("Precision"), dict) else {}
        cfg["Precision"] = prec
        prec["result"] = "ap_fixed<8,3,AP_RND,AP_SAT>"
        if layer in accum:
            prec.update({"weight": PREC, "bias": PREC, "accum": accum[layer]})
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=config, output_dir=str(out_dir), backend="Vitis", io_type="io_parallel"
    )
    hls_model.compile()
    xin = x.reshape(len(x), -1) if name == "mlp" else np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    y = hls_model.predict(np.ascontiguousarray(xin[:100], dtype=np.float64))
    t_tool = time.perf_counter() - t0
    t0 = time.perf_counter()
    hls_model.predict(np.ascontiguousarray(xin, dtype=np.float64))
    t_pred = time.perf_counter() - t0
    return np.asarray(y).reshape(100, -1), t_tool, t_pred, missing


def fpgaforge_run(name: str, x: np.ndarray, calib: np.ndarray, out: Path):
    t0 = time.perf_counter()
    result = build(
        str(ROOT / f"examples/models/digits_{name}.onnx"),
        "pynq-z2",
        SPEC,
        out,
        calibration={"x": calib},
        vectors=100,
        force=True,
    )
    csim = run_csim(out)
    t_tool = time.perf_counter() - t0
    q = result.qgraph
    emu = fpgaforge.execute(q, {"x": x[:100]})
    emu = np.asarray(emu["logits"] if isinstance(emu, dict) else emu[0]).reshape(100, -1)
    t0 = time.perf_counter()
    fpgaforge.execute(q, {"x": x})
    t_exec = time.perf_counter() - t0
    codes = np.loadtxt(out / "hls" / "tb_data" / "csim_results.txt", dtype=np.int64, ndmin=2)
    accum = {n.name: n.outputs[0].dtype for n in q.nodes if n.op in ("Dense", "Conv")}
    return emu, codes * 2.0**-5, csim, t_tool, t_exec, accum


def main() -> None:
    rows = []
    for name in ("mlp", "cnn"):
        data = np.load(ROOT / f"examples/models/digits_{name}_test.npz")["x"].astype(np.float32)
        x = np.concatenate([data] * (10000 // len(data) + 1))[:10000]
        tmp = Path(tempfile.mkdtemp(prefix="ffbench"))
        emu, csim_out, csim, ff_tool, ff_exec, accum_types = fpgaforge_run(
            name, x, data, tmp / "ff"
        )
        layer_names = {
            "mlp": {
                "/net/net.0/Gemm": "net_0",
                "/net/net.2/Gemm": "net_2",
                "/net/net.4/Gemm": "net_4",
            },
            "cnn": {},
        }[name]
        accum = {layer_names[k]: v.cpp() for k, v in accum_types.items() if k in layer_names}
        try:
            y, h_tool, h_pred, missing = hls4ml_run(name, x, accum, tmp / "hls4ml")
            same_emu = int((np.abs(y - emu) < 1e-12).all(axis=1).sum())
            max_diff = float(np.abs(y - emu).max())
            note = f"BN params not loaded: {len(missing)}" if missing else ""
        except Exception as exc:  # report, do not hide
            y, h_tool, h_pred, same_emu, max_diff, note = (
                None,
                float("nan"),
                float("nan"),
                -1,
                float("nan"),
                f"hls4ml failed: {type(exc).__name__}: {str(exc)[:120]}",
            )
        rows.append(
            (
                name,
                same_emu,
                max_diff,
                int((np.abs(csim_out - emu) < 1e-12).all(axis=1).sum()),
                csim.mismatches,
                h_tool,
                ff_tool,
                10000 / h_pred if h_pred == h_pred else float("nan"),
                10000 / ff_exec,
                note,
            )
        )
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        "| model | hls4ml == emulation (of 100) | max |diff| | fpgaforge csim == emulation (of 100) | csim mismatches "
        "| hls4ml convert+compile+predict s | fpgaforge quantize+build+csim s | hls4ml predict /s | fpgaforge execute /s | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1]} | {r[2]:.4g} | {r[3]} | {r[4]} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:,.0f} | {r[8]:,.0f} | {r[9]} |"
        )


if __name__ == "__main__":
    main()
