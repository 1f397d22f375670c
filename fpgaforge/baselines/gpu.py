"""The GPU baseline: measured with torch on CUDA when a GPU is here, else modeled.

Measured: the ONNX model converted to torch (`onnx2torch`, the `gpu` extra), timed with
`torch.cuda.synchronize` around each run, power sampled from NVML (`pynvml`) or
`nvidia-smi` while the larger batch runs. Modeled: a roofline per node over the datasheet
table `data/gpus.yaml` (peak ops, memory bandwidth, board power, each with its source) plus
a kernel launch overhead per node; every modeled row says `modeled`.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from fpgaforge.baselines.workload import Workload
from fpgaforge.errors import UsageError

GPUS_FILE = Path(__file__).parent / "data" / "gpus.yaml"
PRECISIONS = {"fp32": ("fp32_flops", 4), "int8": ("int8_ops", 1)}
"""precision -> (datasheet peak field, bytes per element)."""
NO_KERNEL_OPS = frozenset({"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity"})
"""Ops a GPU runtime does without a kernel (a view of the same memory)."""


@dataclass(frozen=True)
class GpuSpec:
    """One datasheet entry."""

    name: str
    model: str
    fp32_flops: float
    int8_ops: float
    bandwidth_bytes_per_s: float
    power_w: float
    source: str


@cache
def _table() -> dict[str, Any]:
    return yaml.safe_load(GPUS_FILE.read_text())


def gpus() -> list[GpuSpec]:
    """Every GPU of the datasheet table, in its order."""
    return [GpuSpec(**{k: e[k] for k in GpuSpec.__dataclass_fields__}) for e in _table()["gpus"]]


def gpu(name: str) -> GpuSpec:
    """The datasheet entry `name` (case-insensitive; also matches its model name)."""
    key = name.strip().lower()
    for spec in gpus():
        if key in (spec.name, spec.model.lower()):
            return spec
    known = ", ".join(s.name for s in gpus())
    raise UsageError(
        f"GPU {name!r} has no datasheet entry; known GPUs are {known} "
        f"(add one to {GPUS_FILE.name} with its source)."
    )


def kernel_launch_s() -> float:
    return float(_table()["assumptions"]["kernel_launch_s"])


def modeled_seconds(work: Workload, spec: GpuSpec, precision: str, batch: int) -> float:
    """Roofline time of one batch: per node max(compute, memory) plus a launch overhead."""
    field, width = PRECISIONS[precision]
    peak = float(getattr(spec, field))
    scale = batch / work.batch
    launch = kernel_launch_s()
    total = 0.0
    for node in work.nodes:
        compute = 2.0 * node.macs * scale / peak
        memory = (node.params + node.activations * scale) * width / spec.bandwidth_bytes_per_s
        total += max(compute, memory) + (0.0 if node.op in NO_KERNEL_OPS else launch)
    return total


def model_gpu(work: Workload, spec: GpuSpec, precision: str, batch: int) -> dict[str, Any]:
    """A modeled row: latency at batch 1, throughput at `batch`, board power, energy."""
    latency = modeled_seconds(work, spec, precision, work.batch)
    throughput = batch / modeled_seconds(work, spec, precision, batch)
    return {
        "kind": "gpu",
        "target": f"GPU {spec.name}",
        "device": spec.model,
        "precision": precision,
        "runtime": "roofline model (datasheet)",
        "batch": batch,
        "latency_s": latency,
        "throughput": throughput,
        "power_w": float(spec.power_w),
        "energy_per_inference_j": float(spec.power_w) / throughput,
        "provenance": dict.fromkeys(("throughput", "latency", "power", "energy"), "modeled"),
        "source": spec.source,
        "notes": [
            f"modeled GPU rows: a roofline per node at the datasheet peak ops and memory "
            f"bandwidth, plus {kernel_launch_s() * 1e6:g} µs launch overhead per kernel, with "
            "the board's datasheet power drawn in full",
            f"{spec.name} ({spec.model}): datasheet {spec.source}",
        ],
    }


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def gpu_rows(
    model_path: str | Path,
    work: Workload,
    names: list[str] | None,
    *,
    batch: int = 64,
    budget_s: float = 2.0,
    step: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Measured rows for the GPU here (if any), then modeled rows for `names` (all datasheet
    GPUs when no GPU is here and no name is given)."""
    specs = [gpu(n) for n in names] if names else []
    rows: list[dict[str, Any]] = []
    if cuda_available():
        if step:
            step("GPU: timing on CUDA")
        rows += measure_gpu(model_path, work, batch=batch, budget_s=budget_s)
    elif not specs:
        specs = gpus()
    for spec in specs:
        for precision in PRECISIONS:
            rows.append(model_gpu(work, spec, precision, batch))
    return rows


class PowerSampler:
    """Board power of GPU 0 sampled every `period_s` in a thread (NVML, else nvidia-smi)."""

    def __init__(self, period_s: float = 0.05) -> None:
        self.period_s = period_s
        self.samples: list[float] = []
        self.how = "none"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._read = self._reader()

    def _reader(self) -> Callable[[], float] | None:
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
            self.how = "NVML"
            return lambda: pynvml.nvmlDeviceGetPowerUsage(handle) / 1000.0
        except Exception:  # no pynvml, or no driver behind it
            pass
        smi = shutil.which("nvidia-smi")
        if smi is None:
            return None
        self.how = "nvidia-smi"
        cmd = [smi, "--query-gpu=power.draw", "--format=csv,noheader,nounits", "-i", "0"]
        return lambda: float(subprocess.run(cmd, capture_output=True, text=True).stdout.split()[0])

    def __enter__(self) -> PowerSampler:
        if self._read is not None:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self._read())  # type: ignore[misc]
            except Exception:
                return
            self._stop.wait(self.period_s)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    @property
    def mean_w(self) -> float | None:
        return sum(self.samples) / len(self.samples) if self.samples else None


def torch_module(model_path: str | Path) -> Any:
    """The ONNX model as a torch module (`onnx2torch`); a sentence when it cannot be."""
    try:
        from onnx2torch import convert
    except ImportError:
        raise UsageError(
            "Measuring on the GPU needs onnx2torch (`pip install fpgaforge[gpu]`)."
        ) from None
    import onnx

    return convert(onnx.load(str(model_path)))


def measure_gpu(
    model_path: str | Path,
    work: Workload,
    *,
    batch: int = 64,
    budget_s: float = 2.0,
    module: Any = None,
    device: str = "cuda",
) -> list[dict[str, Any]]:
    """Time the float model with torch on `device` (fp32): batch 1 and `batch`."""
    import torch

    from fpgaforge.baselines.timing import time_calls

    net = (module if module is not None else torch_module(model_path)).to(device).eval()
    on_cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if on_cuda else None
    name = torch.cuda.get_device_name(0) if on_cuda else "torch CPU"
    shapes = _input_shapes(model_path)

    def runner(n: int) -> Callable[[], Any]:
        gen = torch.Generator().manual_seed(0)
        xs = [torch.randn((n, *s[1:]), generator=gen).to(device) for s in shapes]

        def call() -> Any:
            with torch.inference_mode():
                return net(*xs)

        return call

    one = time_calls(runner(1), warmup=10, budget_s=budget_s, sync=sync)
    with PowerSampler() as power:
        big = time_calls(runner(batch), warmup=10, budget_s=budget_s, sync=sync)
    throughput = batch / big.median_s
    row: dict[str, Any] = {
        "kind": "gpu",
        "target": "GPU (this machine)",
        "device": name,
        "precision": "fp32",
        "runtime": f"torch {torch.__version__}",
        "batch": batch,
        "latency_s": one.median_s,
        "throughput": throughput,
        "timing": {"batch_1": one.to_dict(), f"batch_{batch}": big.to_dict()},
        "notes": [],
    }
    if power.mean_w is not None:
        row["power_w"] = power.mean_w
        row["energy_per_inference_j"] = power.mean_w / throughput
        row["power_source"] = f"{power.how}, mean of {len(power.samples)} samples during the run"
        row["provenance"] = dict.fromkeys(("throughput", "latency", "power", "energy"), "measured")
    else:
        row["power_w"] = None
        row["energy_per_inference_j"] = None
        row["power_source"] = "no power reading (neither NVML nor nvidia-smi answered)"
        row["provenance"] = {"throughput": "measured", "latency": "measured"}
    return [row]


def _input_shapes(model_path: str | Path) -> list[tuple[int, ...]]:
    import onnx

    model = onnx.load(str(model_path))
    inits = {i.name for i in model.graph.initializer}
    return [
        tuple(d.dim_value or 1 for d in v.type.tensor_type.shape.dim)
        for v in model.graph.input
        if v.name not in inits
    ]
