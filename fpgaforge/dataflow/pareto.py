"""Pareto fronts over design points: maximize some objectives, minimize others."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Objective = tuple[Callable[[Any], float], str]
"""(key function, 'max' or 'min')."""


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when `a` is at least as good as `b` everywhere and better somewhere (all 'max' form)."""
    return all(x >= y for x, y in zip(a, b, strict=True)) and any(
        x > y for x, y in zip(a, b, strict=True)
    )


def pareto_front(points: Sequence[Any], objectives: Sequence[Objective]) -> list[int]:
    """Indices (ascending) of the points no other point dominates."""
    scores = [
        tuple(key(p) if sense == "max" else -key(p) for key, sense in objectives) for p in points
    ]
    return [
        i
        for i, s in enumerate(scores)
        if not any(dominates(t, s) for j, t in enumerate(scores) if j != i)
    ]
