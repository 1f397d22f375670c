"""Repeat a call after a warm-up and report the median and the spread of its run times."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Seconds per call over `runs` timed calls: median, 10th and 90th percentile, min, max."""

    runs: int
    warmup: int
    median_s: float
    p10_s: float
    p90_s: float
    min_s: float
    max_s: float
    total_s: float

    @property
    def spread(self) -> float:
        """(p90 - p10) / median: the relative spread of the run times."""
        return (self.p90_s - self.p10_s) / self.median_s if self.median_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "spread": self.spread}


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile `q` in [0, 1] of already sorted values."""
    pos = q * (len(sorted_values) - 1)
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def time_calls(
    call: Callable[[], Any],
    *,
    warmup: int = 5,
    repeats: int = 200,
    budget_s: float = 2.0,
    min_repeats: int = 5,
    sync: Callable[[], None] | None = None,
) -> Timing:
    """Time `call()`: `warmup` untimed calls, then up to `repeats` timed ones (at least
    `min_repeats`, stopping early once `budget_s` seconds have been spent). `sync` runs
    after each call inside the timed region (e.g. `torch.cuda.synchronize`)."""
    for _ in range(warmup):
        call()
    if sync:
        sync()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < repeats:
        t0 = time.perf_counter()
        call()
        if sync:
            sync()
        times.append(time.perf_counter() - t0)
        if len(times) >= min_repeats and time.perf_counter() - started > budget_s:
            break
    ordered = sorted(times)
    return Timing(
        runs=len(times),
        warmup=warmup,
        median_s=statistics.median(ordered),
        p10_s=_percentile(ordered, 0.1),
        p90_s=_percentile(ordered, 0.9),
        min_s=ordered[0],
        max_s=ordered[-1],
        total_s=sum(times),
    )
