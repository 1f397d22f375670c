"""Fast Walsh-Hadamard transform unit (future kernel; analytic cost model).

Used by rotation-based quantization (LightMamba, QuaRot): y = H_n · x for
n = 2^k, computed as k butterfly stages of n/2 add/subtract pairs; the
normalization 1/sqrt(n) is folded into the next layer's scale.

Geometry: transform size `n` (power of two), `vectors` per inference, input
width `bits`. Folding: `lanes` butterflies per cycle (lanes | n/2).

Cost model
- cycles = vectors · log2(n) · (n/2) / lanes  (each butterfly: one add + one subtract),
  plus log2(n) pipeline stages of latency
- LUTs: lanes · 2 adders, widening by one bit per stage (average bits + log2(n)/2)
- stage buffers: the stride-2^s exchange of each stage needs an n-element buffer
  per stage when lanes < n/2 (bits + stage growth): log2(n) · n · (bits + log2 n) bits
- no multipliers
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    control,
    divisors,
    memory_estimate,
    with_registers,
)


@dataclass(frozen=True)
class Hadamard(Template):
    """Streaming fast Walsh-Hadamard transform."""

    kind = "hadamard"
    FOLDING = ("lanes",)

    n: int
    vectors: int
    bits: int
    lanes: int = 1

    @property
    def stages(self) -> int:
        return max(1, int(math.log2(self.n)))

    def options(self) -> list[dict]:
        return [{"lanes": p} for p in divisors(max(self.n // 2, 1))]

    def estimate(self, ctx: CostContext) -> Estimates:
        if self.n & (self.n - 1):
            raise ValueError(f"Hadamard size {self.n} is not a power of two")
        k = self.stages
        width = self.bits + (k + 1) // 2
        ii = self.vectors * k * (self.n // 2) // self.lanes
        adds = self.vectors * k * self.n
        buffers = Estimates()
        if self.lanes < self.n // 2:
            buffers = memory_estimate(
                ctx, 2 * self.lanes * (self.bits + k), k * self.n // (2 * self.lanes), "auto"
            )
        io = adds * width / 8
        est = (
            Estimates(
                lut=self.lanes * 2 * rm.adder(width),
                onchip_bytes=io,
                energy_j=adds * ctx.energy.add_j(width) + io * ctx.energy.onchip_byte_j("lutram"),
            )
            + buffers
            + control(ctx)
        )
        return with_registers(est).with_(cycles=ii + k + 2, ii=ii)
