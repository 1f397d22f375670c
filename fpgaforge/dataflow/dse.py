"""Design-space exploration: every (board, quantization, mode) point, and their Pareto front.

    result = explore("model.onnx", boards=["ultra96v2", "zcu104"], quants=["int8", "int4"])
    result["points"], result["pareto"]

Each point is scheduled independently (the fastest schedule that fits) by a
`concurrent.futures.ProcessPoolExecutor` (`executor="local"`) or by Ray tasks
(`executor="ray"`, `ray.init(address=...)`). Points are sorted by (board,
quant, mode) and the JSON has no timestamps, so both executors give
byte-identical output for the same inputs. The front maximizes throughput and
minimizes energy per inference and the largest used/usable resource fraction.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from fpgaforge.dataflow.pareto import pareto_front
from fpgaforge.errors import FpgaforgeError, UsageError
from fpgaforge.frontend import load

EXECUTORS = ("local", "ray")
OBJECTIVES = (
    ("throughput", "max"),
    ("energy_per_inference_j", "min"),
    ("resource_fraction", "min"),
)


def evaluate_point(
    model: str,
    board: str,
    quant: str,
    mode: str,
    input_shapes: dict[str, tuple[int, ...]] | None = None,
) -> dict[str, Any]:
    """Load, quantize and schedule one point; errors become an `error` sentence in the record."""
    from fpgaforge.dataflow import schedule
    from fpgaforge.dataflow.quantspec import quantize_for_estimate
    from fpgaforge.frontend import load
    from fpgaforge.units.cost.hardware import KINDS

    record: dict[str, Any] = {"board": board, "quant": quant, "mode": mode}
    try:
        graph = load(model, input_shapes or {})
        qgraph, how = quantize_for_estimate(graph, quant)
        sched = schedule(qgraph, board, mode=mode)
    except FpgaforgeError as exc:
        record["error"] = str(exc)
        return record
    r = sched.report
    fractions = {
        k: (r.resources[k]["used"] / r.resources[k]["usable"])
        if r.resources[k]["usable"]
        else (0.0 if r.resources[k]["used"] == 0 else math.inf)
        for k in KINDS
    }
    record.update(
        scheduled_mode=sched.mode,
        clock_mhz=sched.clock_mhz,
        throughput=r.throughput,
        latency_s=r.latency_s,
        bound=r.bound,
        power_w=r.power_w,
        energy_per_inference_j=r.energy_per_inference_j,
        resource_fraction=max(fractions.values()),
        resources={k: r.resources[k]["used"] for k in KINDS},
        calibration=how,
    )
    return record


def _run_local(tasks: list[tuple], workers: int | None) -> list[dict[str, Any]]:
    if len(tasks) == 1 or workers == 1:
        return [evaluate_point(*t) for t in tasks]
    with ProcessPoolExecutor(max_workers=workers or min(len(tasks), os.cpu_count() or 1)) as pool:
        return list(pool.map(_star, tasks))


def _star(task: tuple) -> dict[str, Any]:
    return evaluate_point(*task)


def _run_ray(tasks: list[tuple], address: str | None, num_cpus: int | None) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise UsageError(
            "--executor ray needs the ray package; install it with `pip install fpgaforge[ray]`."
        ) from None
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kwargs["address"] = address
        elif num_cpus:
            kwargs["num_cpus"] = num_cpus
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UsageError(
                f"Ray could not start or connect to {address or 'a local cluster'}: {exc}."
            ) from None
        started = True
    try:
        remote = ray.remote(evaluate_point)
        return ray.get([remote.remote(*t) for t in tasks])
    finally:
        if started:
            ray.shutdown()


def explore(
    model: str,
    boards: Sequence[str],
    quants: Sequence[str],
    modes: Sequence[str] = ("auto",),
    *,
    executor: str = "local",
    ray_address: str | None = None,
    workers: int | None = None,
    input_shapes: dict[str, tuple[int, ...]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate every (board, quant, mode) point; returns {'model', 'points', 'pareto', 'objectives'}."""
    if executor not in EXECUTORS:
        raise UsageError(f"Executor {executor!r} is not one of {', '.join(EXECUTORS)}.")
    from fpgaforge import boards as board_registry

    for name in boards:
        board_registry.get(
            name
        )  # an unknown board fails here, once, with the board package's sentence
    load(model, input_shapes)  # a bad model fails here, once, before any point runs
    keys = sorted({(b, q, m) for b in boards for q in quants for m in modes})
    tasks = [(model, b, q, m, input_shapes) for b, q, m in keys]
    if executor == "ray":
        points = _run_ray(tasks, ray_address, workers)
    else:
        points = _run_local(tasks, workers)
    if progress:
        progress(len(points), len(points))
    ok = [i for i, p in enumerate(points) if "error" not in p]
    objectives = [((lambda p, k=k: p[k]), sense) for k, sense in OBJECTIVES]
    front = [ok[i] for i in pareto_front([points[i] for i in ok], objectives)]
    for i, p in enumerate(points):
        if "error" not in p:
            p["pareto"] = i in front
    return {
        "model": os.path.basename(model),
        "objectives": [{"name": k, "sense": s} for k, s in OBJECTIVES],
        "points": points,
        "pareto": [
            {"board": points[i]["board"], "quant": points[i]["quant"], "mode": points[i]["mode"]}
            for i in front
        ],
    }


def to_json(result: dict[str, Any]) -> str:
    """Deterministic JSON (sorted keys, no timestamps)."""
    return json.dumps(result, indent=2, sort_keys=True, allow_nan=True)
