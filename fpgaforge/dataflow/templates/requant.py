"""Requantization: accumulator → narrower type (multiply by an integer, shift, round, saturate).

Normally fused into the producing layer's stage (`Epilogue(requant=True)`); this
template is the stand-alone unit (e.g. after an element-wise add, or the
`Quantize` of a graph input).

Geometry: `elements`, `channels`, `in_bits` (accumulator), `out_bits`,
`mult_bits` (integer multiplier width, 0 for power-of-two scales: shift only).
Folding: `pe` elements per cycle (pe | channels).

Cost model
- interval = elements / pe; one register stage (`ff_lutact` / `ff_rqstage`):
  fill = drain = 1, latency at full input rate = interval + 1
- pe multipliers in_bits × mult_bits (DSP or LUT by the resource model) unless
  power-of-two; pe rounding adders + saturation (two comparators) of out_bits
- per-channel multipliers and shifts: channels × (mult_bits + 6) bits of memory
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.dataflow import resource_model as rm
from fpgaforge.dataflow.estimates import Estimates
from fpgaforge.dataflow.templates.base import (
    CostContext,
    Template,
    control,
    divisors,
    memory_estimate,
    with_registers,
)


@dataclass(frozen=True)
class Requant(Template):
    """Stand-alone requantization unit."""

    kind = "requant"
    FOLDING = ("pe",)

    elements: int
    channels: int
    in_bits: int
    out_bits: int
    mult_bits: int = 16
    per_channel: bool = True
    pe: int = 1

    def options(self) -> list[dict]:
        return [{"pe": p} for p in divisors(self.channels)]

    def estimate(self, ctx: CostContext) -> Estimates:
        e = ctx.energy
        n = self.elements
        saturate = 2 * rm.coef("lut", "compare_per_bit") * self.out_bits
        est = Estimates(
            lut=self.pe * (rm.adder(self.out_bits) + saturate),
            energy_j=n * 3 * e.add_j(self.out_bits),
        )
        if self.mult_bits:
            mult = rm.mac_array(
                self.pe,
                1,
                self.mult_bits,
                self.in_bits,
                ctx.board.dsp_kind,
                lut_inputs=ctx.board.lut_inputs,
                dsp_available=ctx.board.capacity["dsp"] > 0,
            )
            est += Estimates(
                dsp=mult.dsp,
                lut=mult.lut,
                energy_j=n * e.mac_j(self.mult_bits, self.in_bits, "dsp" if mult.dsp else "lut"),
            )
        if self.per_channel:
            est += memory_estimate(
                ctx, self.pe * (self.mult_bits + 6), self.channels // self.pe, "auto"
            )
        ii = -(-n // self.pe)
        return with_registers(est + control(ctx)).with_(cycles=ii + 1, ii=ii, fill=1, drain=1)
