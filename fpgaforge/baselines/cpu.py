"""The CPU baseline: the model on onnxruntime here, float and int8, timed and with its power.

    rows = measure_cpu("model.onnx", calibration, batch=64)

Each row times batch 1 (the latency) and `batch` (the throughput) with a warm-up and
repeated runs (median, 10th/90th percentile). Power comes from RAPL package counters read
around the timed runs of the larger batch when they are readable; otherwise it is the
TDP-per-core assumption of `power.assumed_power`, and the row says so.
"""

from __future__ import annotations

import copy
import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fpgaforge.baselines.power import Rapl, assumed_power, cpu_count, cpu_model
from fpgaforge.baselines.timing import Timing, time_calls

MAX_IR_VERSION = 10
"""onnxruntime rejects models written with a newer IR version than it knows."""


def batched_model(model: Any) -> Any:
    """A copy of an ONNX `ModelProto` whose inputs' and outputs' first dimension is symbolic,
    with the intermediate shape annotations dropped (they were inferred for batch 1)."""
    out = copy.deepcopy(model)
    for value in list(out.graph.input) + list(out.graph.output):
        dims = value.type.tensor_type.shape.dim
        if len(dims):
            dims[0].ClearField("dim_value")
            dims[0].dim_param = "batch"
    del out.graph.value_info[:]
    out.ir_version = min(out.ir_version, MAX_IR_VERSION)
    return out


def feeds_for(session: Any, calibration: Mapping[str, np.ndarray] | None, batch: int) -> dict:
    """Inputs of `batch` samples: calibration samples repeated to fill the batch, else seeded
    standard-normal values."""
    rng = np.random.default_rng(0)
    feeds = {}
    for arg in session.get_inputs():
        rest = [d if isinstance(d, int) else 1 for d in arg.shape[1:]]
        data = None if calibration is None else calibration.get(arg.name)
        if data is not None:
            data = np.asarray(data, np.float32)
            idx = np.arange(batch) % data.shape[0]
            feeds[arg.name] = data[idx].reshape(batch, *rest)
        else:
            feeds[arg.name] = rng.standard_normal((batch, *rest)).astype(np.float32)
    return feeds


def calibration_samples(
    session: Any, calibration: Mapping[str, np.ndarray] | None, count: int = 16
) -> list[dict[str, np.ndarray]]:
    """Single-sample feeds for int8 calibration: the first `count` calibration samples, else
    `count` seeded standard-normal samples."""
    if calibration is not None:
        n = min(count, min(len(v) for v in calibration.values()))
        return [
            {k: np.asarray(v[i : i + 1], np.float32) for k, v in calibration.items()}
            for i in range(n)
        ]
    rng = np.random.default_rng(1)
    return [
        {
            arg.name: rng.standard_normal(
                (1, *[d if isinstance(d, int) else 1 for d in arg.shape[1:]])
            ).astype(np.float32)
            for arg in session.get_inputs()
        }
        for _ in range(count)
    ]


class _Reader:
    """onnxruntime's `CalibrationDataReader`: one sample per call."""

    def __init__(self, samples: list[dict[str, np.ndarray]]) -> None:
        self.samples = iter(samples)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self.samples, None)

    def rewind(self) -> None:  # newer onnxruntime versions call this
        return None


def quantize_int8(float_path: Path, out_path: Path, samples: list[dict[str, np.ndarray]]) -> None:
    """onnxruntime's static int8 quantization (QDQ, int8 weights and activations)."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process the model goes to the root logger
    try:
        quantize_static(
            str(float_path),
            str(out_path),
            _Reader(samples),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
        )
    finally:
        root.setLevel(level)


def measure_cpu(
    model_path: str | Path,
    calibration: Mapping[str, np.ndarray] | None = None,
    *,
    batch: int = 64,
    int8: bool = True,
    budget_s: float = 2.0,
    step: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per precision (fp32, and int8 where onnxruntime quantizes and runs it)."""
    import onnx
    import onnxruntime as ort

    model = batched_model(onnx.load(str(model_path)))
    name = cpu_model()
    cores = cpu_count()
    rapl = Rapl.open()
    rows = []
    with tempfile.TemporaryDirectory(prefix="fpgaforge-cpu-") as tmp:
        float_path = Path(tmp) / "float.onnx"
        onnx.save(model, str(float_path))
        variants = [("fp32", float_path, None)]
        if int8:
            int8_path = Path(tmp) / "int8.onnx"
            try:
                samples = calibration_samples(_session(ort, float_path, cores), calibration)
                quantize_int8(float_path, int8_path, samples)
                variants.append(("int8", int8_path, None))
            except Exception as exc:  # onnxruntime raises many kinds; the row says why
                variants.append(("int8", None, f"onnxruntime could not quantize it: {exc}"))
        for precision, path, problem in variants:
            if step:
                step(f"CPU: timing {precision} on onnxruntime")
            row = _row(name, cores, precision, batch, ort.__version__)
            if path is None:
                row["error"] = problem
                rows.append(row)
                continue
            try:
                session = _session(ort, path, cores)
                one = _time(session, feeds_for(session, calibration, 1), budget_s)
            except Exception as exc:
                row["error"] = f"onnxruntime could not run the {precision} model: {exc}"
                rows.append(row)
                continue
            big, joules = None, None
            try:
                feeds = feeds_for(session, calibration, batch)
                big, joules = _time_with_energy(session, feeds, budget_s, rapl)
            except Exception as exc:
                row["notes"].append(f"batch {batch} did not run ({exc}); throughput is at batch 1.")
            _fill(row, one, big, batch if big else 1, joules, name, cores)
            rows.append(row)
    return rows


def _session(ort: Any, path: Path, threads: int) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _time(session: Any, feeds: dict, budget_s: float) -> Timing:
    return time_calls(lambda: session.run(None, feeds), warmup=5, budget_s=budget_s)


def _time_with_energy(
    session: Any, feeds: dict, budget_s: float, rapl: Rapl | None
) -> tuple[Timing, float | None]:
    """Timing of the batch, and the RAPL energy of the timed runs (None without RAPL)."""
    for _ in range(3):
        session.run(None, feeds)
    before = rapl.read() if rapl else None
    t0 = time.perf_counter()
    timing = time_calls(lambda: session.run(None, feeds), warmup=0, budget_s=budget_s)
    wall = time.perf_counter() - t0
    if rapl is None or before is None:
        return timing, None
    joules = rapl.joules_between(before, rapl.read())
    return timing, joules * timing.total_s / wall if wall else joules


def _row(device: str, cores: int, precision: str, batch: int, version: str) -> dict[str, Any]:
    return {
        "kind": "cpu",
        "target": f"CPU ({cores} cores)",
        "device": device,
        "precision": precision,
        "runtime": f"onnxruntime {version}",
        "batch": batch,
        "notes": [],
    }


def _fill(
    row: dict[str, Any],
    one: Timing,
    big: Timing | None,
    batch: int,
    joules: float | None,
    model: str,
    cores: int,
) -> None:
    timing = big or one
    row["batch"] = batch
    row["latency_s"] = one.median_s
    row["throughput"] = batch / timing.median_s
    row["timing"] = {"batch_1": one.to_dict(), f"batch_{batch}": timing.to_dict()}
    if joules is not None:
        row["power_w"] = joules / timing.total_s
        row["energy_per_inference_j"] = joules / (timing.runs * batch)
        row["provenance"] = dict.fromkeys(("throughput", "latency", "power", "energy"), "measured")
        row["power_source"] = "RAPL package energy counters (whole package, all processes)"
    else:
        assumption = assumed_power(model, cores)
        row["power_w"] = assumption.watts
        row["energy_per_inference_j"] = assumption.watts / row["throughput"]
        row["provenance"] = {
            "throughput": "measured",
            "latency": "measured",
            "power": "assumed",
            "energy": "assumed",
        }
        row["power_source"] = assumption.sentence(model)
        row["power_assumption"] = assumption.to_dict()
