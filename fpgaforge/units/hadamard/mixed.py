"""Hadamard transform of size n = K · 2^k (H_K ⊗ H_2^k) on `ff_hadamard` (cost model).

The 2^k part runs as k butterfly stages over each of the K blocks (`lanes` butterflies a
cycle), the K part as a K × K add/subtract stage that produces `k_lanes` outputs a cycle
while the vector leaves (see `cost.py` for the cycle formula; K = 1 is the plain fast
Walsh-Hadamard transform with `k_lanes` outputs a beat).
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.numerics.hadamard import decompose
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template
from fpgaforge.units.hadamard.cost import estimate_rtl, rtl_params


def split(n: int) -> tuple[int, int]:
    """(K, 2^k) with n = K · 2^k, K one of the base sizes the numerics construct."""
    parts = decompose(n)
    if parts is None:
        raise ValueError(f"no Hadamard construction for size {n}")
    return parts


@dataclass(frozen=True)
class MixedHadamard(Template):
    """H_K ⊗ H_2^k on `vectors` vectors of n = K · 2^k values."""

    kind = "hadamard_k"
    FOLDING = ("lanes", "k_lanes")

    n: int
    vectors: int
    bits: int
    lanes: int = 16
    k_lanes: int = 4

    def options(self) -> list[dict]:
        return [{"lanes": 2**i, "k_lanes": max(2**i // 4, 1)} for i in range(10)]

    def rtl_params(self) -> dict[str, int]:
        """The ff_hadamard parameters this unit stands for."""
        split(self.n)
        return rtl_params(self.n, self.bits, self.lanes, self.k_lanes)

    def estimate(self, ctx: CostContext) -> Estimates:
        return estimate_rtl(ctx, self.rtl_params(), self.vectors)
