"""Hadamard transform of size n = K · 2^k (H_K ⊗ H_2^k; analytic cost model).

The 2^k part runs as k fast Walsh-Hadamard butterfly stages over each of the K blocks
(the `Hadamard` template with `vectors · K` vectors); the K part is a K × K stage of
±1 entries: every output sums K inputs, one adder per entry after the first, on
`k_lanes` outputs per cycle. The two stages are pipelined through a ping-pong buffer of
n values, so the slower stage sets the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.numerics.hadamard import decompose
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template, memory_estimate, with_registers
from fpgaforge.units.hadamard.cost import Hadamard


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

    def estimate(self, ctx: CostContext) -> Estimates:
        k_size, pow2 = split(self.n)
        if k_size == 1:
            return Hadamard(self.n, self.vectors, self.bits, lanes=self.lanes).estimate(ctx)
        lanes = min(self.lanes, max(pow2 // 2, 1))
        fwht = Hadamard(pow2, self.vectors * k_size, self.bits, lanes=lanes).estimate(ctx)
        width = self.bits + math.ceil(math.log2(pow2)) + math.ceil(math.log2(k_size))
        k_ii = math.ceil(self.vectors * self.n / self.k_lanes)
        adds = self.vectors * self.n * (k_size - 1)
        buffer = memory_estimate(ctx, 2 * width, self.n, "auto")
        kstage = with_registers(
            Estimates(
                lut=self.k_lanes * (k_size - 1) * rm.adder(width),
                onchip_bytes=2 * self.vectors * self.n * width / 8,
                energy_j=adds * ctx.energy.add_j(width),
            )
            + buffer
        )
        ii = max(fwht.ii, k_ii)
        total = fwht.with_(cycles=0, ii=0) + kstage
        return total.with_(cycles=ii + fwht.cycles - fwht.ii + k_size + 2, ii=ii)
