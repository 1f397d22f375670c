"""Data-movement stages: reshape/flatten (free), transpose/resize (a frame buffer),
concat/split/slice/pad (stream routing).

Geometry: `elements` per inference, element width `bits`, `op`, `buffered` (the
op reorders elements, so a whole tensor is held before it streams out).
Folding: `pe` elements per cycle (a buffered op's `pe` divides `elements`).

Cost model (ii = ceil(elements / pe) beats per frame)
- free (reshape of a row-major stream, cast, identity): no cycles, no resources. The
  RTL plan only relabels the stream (`Stream.perm`), no unit is built.
- routing: cycles = ii + 2; LUTs: pe·bits muxes
- buffered (the RTL unit is `ff_reorder`, a ping-pong frame buffer): a frame is written in
  arrival order; its read starts the cycle after the last input beat and passes an index
  ROM register and a bank read register, so fill (first output − first input) = drain
  (last output − last input) = ii + 2, cycles (last output − first input + 1) = ii (write)
  + 2 + ii (read), interval ii (writing frame f + 1 overlaps reading frame f); the first
  output needs the whole frame (`need` 1), so behind a slower producer it leaves 3 cycles
  after the last input beat. Memory: two banks of ii words of pe·bits, one copy per
  output lane (each lane reads its own element: `ports` = 2·pe), and the index ROM of ii
  words of pe·(ceil(log2 ii) + ceil(log2 pe)) bits.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    control,
    memory_estimate,
    with_registers,
)

FREE_OPS = ("Reshape", "Cast", "Identity", "Flatten", "Squeeze", "Unsqueeze", "Dropout")
BUFFERED_OPS = ("Transpose", "Resize", "Gather")
READ_PIPELINE = 2
"""Registers on a buffered op's read path (ff_reorder: index ROM, bank read): its fill and
drain are ii + READ_PIPELINE."""


@dataclass(frozen=True)
class StreamOp(Template):
    """Reshape-like (free), routing, or buffered reordering stage."""

    kind = "stream"
    FOLDING = ("pe",)

    op: str
    elements: int
    bits: int
    pe: int = 1

    def stream_lanes(self) -> tuple[int, int] | None:
        if self.op in FREE_OPS:
            return None
        return self.pe, self.pe

    def options(self) -> list[dict]:
        if self.op in FREE_OPS:
            return [{"pe": 1}]
        if self.op in BUFFERED_OPS:
            return [{"pe": p} for p in (1, 2, 4, 8, 16, 32, 64) if self.elements % p == 0]
        return [{"pe": p} for p in (1, 2, 4, 8, 16, 32, 64) if p <= self.elements]

    def estimate(self, ctx: CostContext) -> Estimates:
        if self.op in FREE_OPS:
            return Estimates()
        ii = -(-self.elements // self.pe)
        est = control(ctx) + Estimates(lut=self.pe * self.bits * rm.coef("lut", "mux2_per_bit"))
        if self.op not in BUFFERED_OPS:
            return with_registers(est).with_(cycles=ii + 2, ii=ii)
        est += memory_estimate(ctx, self.pe * self.bits, 2 * ii, "auto", ports=2 * self.pe)
        index_bits = self.pe * (_bits_for(ii) + _bits_for(self.pe))
        est += memory_estimate(ctx, index_bits, ii, "auto")
        io = 2 * self.elements * self.bits / 8
        est += Estimates(onchip_bytes=io, energy_j=io * ctx.energy.onchip_byte_j("bram"))
        latency = ii + READ_PIPELINE
        # a frame buffer reads out once its last input beat is written: behind a slower
        # producer its first output waits for that beat (`need` 1, taken at cycle ii − 1)
        return with_registers(est).with_(
            cycles=ii + latency, ii=ii, fill=latency, drain=latency, need=1.0, need_at=ii - 1
        )


def _bits_for(count: int) -> int:
    """Bits of a counter over `count` values (at least 1), as `ff_reorder` sizes its fields."""
    return max(1, (count - 1).bit_length())
