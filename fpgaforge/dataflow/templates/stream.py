"""Data-movement stages: reshape/flatten (free), transpose/resize (a frame buffer),
concat/split/slice/pad (stream routing).

Geometry: `elements` per inference, element width `bits`, `op`, `buffered` (the
op reorders elements, so a whole tensor is held before it streams out).
Folding: `pe` elements per cycle.

Cost model
- free (reshape of a row-major stream, cast, identity): no cycles, no resources
- routing: cycles = elements / pe; LUTs: pe·bits muxes
- buffered: + a frame buffer of elements·bits (two for ping-pong), and the stage's
  latency grows by one frame
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.dataflow import resource_model as rm
from fpgaforge.dataflow.estimates import Estimates
from fpgaforge.dataflow.templates.base import (
    CostContext,
    Template,
    control,
    memory_estimate,
    with_registers,
)

FREE_OPS = ("Reshape", "Cast", "Identity", "Flatten", "Squeeze", "Unsqueeze", "Dropout")
BUFFERED_OPS = ("Transpose", "Resize", "Gather")


@dataclass(frozen=True)
class StreamOp(Template):
    """Reshape-like (free), routing, or buffered reordering stage."""

    kind = "stream"
    FOLDING = ("pe",)

    op: str
    elements: int
    bits: int
    pe: int = 1

    def options(self) -> list[dict]:
        if self.op in FREE_OPS:
            return [{"pe": 1}]
        return [{"pe": p} for p in (1, 2, 4, 8, 16, 32, 64) if p <= self.elements]

    def estimate(self, ctx: CostContext) -> Estimates:
        if self.op in FREE_OPS:
            return Estimates()
        ii = -(-self.elements // self.pe)
        est = control(ctx) + Estimates(lut=self.pe * self.bits * rm.coef("lut", "mux2_per_bit"))
        cycles = ii + 2
        if self.op in BUFFERED_OPS:
            est += memory_estimate(
                ctx, self.pe * self.bits, -(-2 * self.elements // self.pe), "auto"
            )
            io = 2 * self.elements * self.bits / 8
            est += Estimates(onchip_bytes=io, energy_j=io * ctx.energy.onchip_byte_j("bram"))
            cycles += ii
        return with_registers(est).with_(cycles=cycles, ii=ii)
