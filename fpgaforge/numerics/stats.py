"""Counting the values that casts push out of range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class OverflowStats:
    """Counts out-of-range values seen by casts that were given this object (``stats=``).

    ``overflows`` counts values above the destination's range, ``underflows`` values
    below it (for signed SAT_SYM, the most negative code counts as below). Whatever
    the overflow mode did with them (wrap, saturate, zero), they are counted.
    """

    total: int = 0
    overflows: int = 0
    underflows: int = 0

    @property
    def count(self) -> int:
        """Number of values that overflowed in either direction."""
        return self.overflows + self.underflows

    @property
    def fraction(self) -> float:
        """``count / total`` (0.0 when nothing was cast)."""
        return self.count / self.total if self.total else 0.0

    def record(self, over: Any, under: Any) -> None:
        """Add the boolean masks of one cast."""
        self.total += int(np.size(over))
        self.overflows += int(over.sum())
        self.underflows += int(under.sum())
