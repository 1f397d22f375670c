"""`fpgaforge compare mamba2-130m --boards u280,vck190 --cpu --gpu`: Mamba-2 decode in tokens.

For a built-in Mamba-2 configuration every row is per generated token (decode, one token
after another with the state carried): FPGA rows are the decode-step estimates
(`report.mamba_decode`, `estimated`); the CPU row is measured here with the reference
PyTorch model (`fpgaforge.models.mamba2`, random weights: decode time does not depend on
their values) stepping batch 1 and a larger batch; GPU rows are measured the same way on
CUDA when a GPU is present, else modeled by the roofline of `baselines.gpu` on the decode
step's graph (shape-only constants). The result has the shape of `report.compare` with
`unit` = "token": throughput is tokens/s and energy is per token.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from fpgaforge.baselines.timing import Timing, time_calls
from fpgaforge.baselines.workload import workload
from fpgaforge.errors import UsageError
from fpgaforge.report.compare import (
    PARETO_OBJECTIVES,
    SCHEMA,
    board_part,
    check_boards,
    mark_pareto,
)
from fpgaforge.report.mamba_decode import decode_estimate
from fpgaforge.units.cost.hardware import KINDS

CPU_PARAMS_LIMIT = 1_500_000_000
"""Largest configuration the CPU row runs (float32 weights in this machine's memory)."""


def compare_mamba(
    model: str,
    boards: Sequence[str],
    quants: Sequence[str],
    *,
    cpu: bool = False,
    gpu: bool = False,
    gpu_models: Sequence[str] | None = None,
    batch: int = 64,
    budget_s: float = 2.0,
    step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Decode tokens/s, latency and energy per token on every board, the CPU and the GPU."""
    from fpgaforge.baselines import gpu as gpu_baseline
    from fpgaforge.models.config import config
    from fpgaforge.models.mamba2_graph import step_graph

    say = step or (lambda text: None)
    check_boards(boards)
    if batch < 1:
        raise UsageError(f"--batch must be a positive number, got {batch}.")
    quants = [q for q in quants if q != "int8"] or ["lightmamba"]  # int8 is the CLI default
    for quant in quants:
        if quant.partition(":")[0] != "lightmamba":
            raise UsageError(
                f"A Mamba-2 configuration compares with --quant lightmamba[:state_bits=N], "
                f"not {quant!r}."
            )
    for name in gpu_models or ():
        gpu_baseline.gpu(name)
    cfg = config(model)
    rows: list[dict[str, Any]] = []
    for quant in quants:
        for board in boards:
            say(f"estimating the decode step of {model} on {board}")
            rows.append(_fpga_row(decode_estimate(model, board, quant, batch=1)))
    mark_pareto(rows)
    say("building the decode-step graph (shape-only weights)")
    work = workload(step_graph(cfg, name=model))
    if cpu:
        say("CPU: timing the PyTorch decode step")
        rows.append(_torch_row(cfg, model, "cpu", batch, budget_s))
    if gpu or gpu_models:
        if gpu_baseline.cuda_available():
            say("GPU: timing the PyTorch decode step on CUDA")
            rows.append(_torch_row(cfg, model, "cuda", batch, budget_s))
        specs = [gpu_baseline.gpu(n) for n in gpu_models or ()]
        if not specs and not gpu_baseline.cuda_available():
            specs = gpu_baseline.gpus()
        for spec in specs:
            for precision in gpu_baseline.PRECISIONS:
                rows.append(_per_token(gpu_baseline.model_gpu(work, spec, precision, batch)))
    return {
        "schema": SCHEMA,
        "model": model,
        "unit": "token",
        "workload": work.to_dict(),
        "boards": list(boards),
        "quants": list(quants),
        "batch": batch,
        "rows": rows,
        "fpga": [],
        "sqnr": {},
        "objectives": [{"name": k, "sense": s} for k, s in PARETO_OBJECTIVES],
    }


def _fpga_row(est: dict[str, Any]) -> dict[str, Any]:
    used = est["resources"]
    usable = est.get("usable") or {}
    fractions = [used.get(k, 0.0) / usable[k] for k in used if usable.get(k)]
    anchor = est.get("paper") or {}
    notes = list(est["notes"])
    if anchor.get("tokens_per_s"):
        notes.append(
            f"paper anchor ({est['board']}): {anchor['tokens_per_s']} tokens/s "
            f"({est['paper_source']}), not our figure"
        )
    return {
        "kind": "fpga",
        "target": est["board"],
        "device": board_part(est["board"]),
        "precision": est["quant"],
        "runtime": f"fpgaforge estimate (Mamba-2 decode, {est['clock_mhz']:g} MHz)",
        "batch": est["batch"],
        "throughput": est["tokens_per_s"],
        "latency_s": est["latency_per_token_s"],
        "power_w": est["power_w"],
        "energy_per_inference_j": est["energy_per_token_j"],
        "resources": {k: float(used.get(k, 0.0)) for k in KINDS},
        "resource_fraction": max(fractions, default=0.0),
        "bound": est["bound_by"],
        "provenance": dict.fromkeys(
            ("throughput", "latency", "power", "energy", "resources"), "estimated"
        ),
        "notes": notes,
    }


def _per_token(row: dict[str, Any]) -> dict[str, Any]:
    """A modeled GPU row of the decode-step graph: one inference is one token."""
    row["notes"] = [*row["notes"], "one inference of the decode-step graph is one token"]
    return row


def _torch_row(cfg: Any, model: str, device: str, batch: int, budget_s: float) -> dict[str, Any]:
    """Measured decode tokens/s of the reference model on `device` ("cpu" or "cuda")."""
    import torch

    from fpgaforge.baselines.power import assumed_power, cpu_count, cpu_model
    from fpgaforge.models.mamba2_graph import weight_shapes

    kind = "cpu" if device == "cpu" else "gpu"
    cores = cpu_count()
    name = cpu_model() if device == "cpu" else torch.cuda.get_device_name(0)
    row: dict[str, Any] = {
        "kind": kind,
        "target": f"CPU ({cores} cores)" if device == "cpu" else f"GPU {name}",
        "device": name,
        "precision": "fp32",
        "runtime": f"torch {torch.__version__} (fpgaforge.models.mamba2 step)",
        "batch": batch,
        "notes": [],
    }
    params = sum(int(np.prod(shape)) for shape in weight_shapes(cfg).values())
    if device == "cpu" and params > CPU_PARAMS_LIMIT:
        row["error"] = (
            f"{model} has {params / 1e9:.1f} B parameters; the CPU row runs configurations "
            f"up to {CPU_PARAMS_LIMIT / 1e9:.1f} B (float32 weights in memory)"
        )
        return row
    one, big = _time_decode(cfg, device, batch, budget_s)
    row["latency_s"] = one.median_s
    row["throughput"] = batch / big.median_s
    row["timing"] = {"batch_1": one.to_dict(), f"batch_{batch}": big.to_dict()}
    if device == "cpu":
        assumption = assumed_power(name, cores)
        row["power_w"] = assumption.watts
        row["power_source"] = assumption.sentence(name)
        provenance_power = "assumed"
    else:
        from fpgaforge.baselines.gpu import PowerSampler

        with PowerSampler() as sampler:
            _time_decode(cfg, device, batch, budget_s)
        row["power_w"] = sampler.mean_w or 0.0
        provenance_power = "measured" if sampler.mean_w else "unknown"
    row["energy_per_inference_j"] = row["power_w"] / row["throughput"]
    row["provenance"] = {
        "throughput": "measured",
        "latency": "measured",
        "power": provenance_power,
        "energy": provenance_power,
    }
    return row


def _time_decode(cfg: Any, device: str, batch: int, budget_s: float) -> tuple[Timing, Timing]:
    """Median decode-step times at batch 1 and `batch` (state carried between steps)."""
    import torch

    from fpgaforge.models.mamba2 import Mamba2LM

    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    try:
        net = Mamba2LM(cfg).to(device).eval()
        sync = torch.cuda.synchronize if device == "cuda" else None
        timings = []
        for size in (1, batch):
            timings.append(
                time_calls(_decoder(net, size, device), warmup=3, budget_s=budget_s, sync=sync)
            )
        return timings[0], timings[1]
    finally:
        torch.set_num_threads(threads)


def _decoder(net: Any, size: int, device: str) -> Callable[[], None]:
    """One decode step of `size` sequences per call, the state carried from call to call."""
    import torch

    token = torch.zeros(size, dtype=torch.long, device=device)
    state = [tuple(t.to(device) for t in s) for s in net.init_state(size)]

    def decode() -> None:
        nonlocal state
        with torch.no_grad():
            _, state = net.step(token, state)

    return decode
