"""CPU and GPU baselines: the timer, RAPL counters, the CPU power assumption, the GPU
roofline model on hand-checked numbers, and the measured torch path on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from fpgaforge.baselines import gpu as gpu_baseline
from fpgaforge.baselines.power import Rapl, assumed_power, cpu_model
from fpgaforge.baselines.timing import time_calls
from fpgaforge.baselines.workload import NodeWork, Workload
from fpgaforge.errors import UsageError
from tests.toy_models import mlp_onnx


def test_timer_reports_median_and_spread() -> None:
    calls = []
    timing = time_calls(lambda: calls.append(1), warmup=3, repeats=20, budget_s=10)
    assert len(calls) == 23 and timing.runs == 20 and timing.warmup == 3
    assert timing.min_s <= timing.p10_s <= timing.median_s <= timing.p90_s <= timing.max_s
    assert timing.to_dict()["spread"] >= 0


def test_rapl_counters_and_wraparound(tmp_path: Path) -> None:
    zone = tmp_path / "intel-rapl:0"
    zone.mkdir()
    (zone / "energy_uj").write_text("900\n")
    (zone / "max_energy_range_uj").write_text("1000\n")
    (tmp_path / "intel-rapl:0:0").mkdir()  # a sub-zone: counted inside its package
    rapl = Rapl.open(tmp_path)
    assert rapl is not None and len(rapl.domains) == 1
    before = rapl.read()
    (zone / "energy_uj").write_text("100\n")  # wrapped: 900 -> 1000 -> 100
    assert rapl.joules_between(before, rapl.read()) == pytest.approx(200e-6)
    assert Rapl.open(tmp_path / "none") is None


def test_cpu_power_assumption_is_stated() -> None:
    known = assumed_power("AMD EPYC 7763 64-Core Processor", 4)
    assert known.matched and known.watts == pytest.approx(280 / 64 * 4)
    unknown = assumed_power("Some CPU", 2)
    assert not unknown.matched and unknown.watts == pytest.approx(280 / 64 * 2)
    sentence = unknown.sentence("Some CPU")
    assert "assumed, not measured" in sentence and "'Some CPU' is not in the CPU table" in sentence
    assert "https://" in sentence
    assert cpu_model(Path("/nonexistent")) == "unknown CPU"


def test_every_datasheet_gpu_has_a_source() -> None:
    names = {g.name for g in gpu_baseline.gpus()}
    assert {"rtx2070", "rtx3090", "rtx4090", "a100", "h100", "h200", "jetson-agx-orin"} <= names
    for spec in gpu_baseline.gpus():
        assert spec.source.startswith("https://")
        assert spec.int8_ops > spec.fp32_flops > 0 and spec.bandwidth_bytes_per_s > 0
    assert gpu_baseline.gpu("RTX4090").name == "rtx4090"
    with pytest.raises(UsageError, match="'tpu9' has no datasheet entry; known GPUs are rtx2070"):
        gpu_baseline.gpu("tpu9")


def test_gpu_roofline_by_hand() -> None:
    spec = gpu_baseline.GpuSpec("g", "G", 1e12, 4e12, 1e11, 100.0, "https://example.org")
    launch = gpu_baseline.kernel_launch_s()
    # compute-bound: 2 * 1e9 MACs / 1e12 = 2 ms; memory 4 * (1e3 + 1e3) / 1e11 = 80 ns
    big = Workload("m", 1, (NodeWork("mm", "Dense", 10**9, 1000, 1000),))
    assert gpu_baseline.modeled_seconds(big, spec, "fp32", 1) == pytest.approx(2e-3 + launch)
    # memory-bound: 1e6 params * 4 B / 1e11 = 40 µs > 2 * 1e3 / 1e12
    wide = Workload("m", 1, (NodeWork("mm", "Dense", 1000, 10**6, 0),))
    assert gpu_baseline.modeled_seconds(wide, spec, "fp32", 1) == pytest.approx(40e-6 + launch)
    # int8: a quarter of the bytes; a reshape launches no kernel
    both = Workload("m", 1, (*wide.nodes, NodeWork("r", "Reshape", 0, 0, 0)))
    assert gpu_baseline.modeled_seconds(both, spec, "int8", 1) == pytest.approx(10e-6 + launch)
    row = gpu_baseline.model_gpu(big, spec, "fp32", 64)
    assert set(row["provenance"].values()) == {"modeled"}
    assert row["energy_per_inference_j"] == pytest.approx(100.0 / row["throughput"])
    assert any("modeled" in note for note in row["notes"])


def test_measured_torch_path_on_the_cpu(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = mlp_onnx(tmp_path / "mlp.onnx", (8, 12, 4))
    net = torch.nn.Sequential(torch.nn.Linear(8, 12), torch.nn.ReLU(), torch.nn.Linear(12, 4))
    work = Workload("mlp", 1, ())
    (row,) = gpu_baseline.measure_gpu(path, work, batch=16, budget_s=0.05, module=net, device="cpu")
    assert row["provenance"]["throughput"] == "measured" and row["throughput"] > 0
    assert row["timing"]["batch_16"]["runs"] >= 5
    assert row["latency_s"] == row["timing"]["batch_1"]["median_s"]
