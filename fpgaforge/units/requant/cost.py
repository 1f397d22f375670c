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
  power-of-two
- LUTs and FFs: the structure of `ff_rqstage` (`resource_model.rtl_unit_terms`): one
  ff_requant (shift, round, saturate) per lane, the per-channel multiplier / shift table,
  the output register and its channel-group counter
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    channel_lanes,
    divisors,
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

    def stream_lanes(self) -> tuple[int, int] | None:
        return channel_lanes(self.pe, self.channels)

    def options(self) -> list[dict]:
        return [{"pe": p} for p in divisors(self.channels)]

    def estimate(self, ctx: CostContext) -> Estimates:
        e = ctx.energy
        n = self.elements
        est = Estimates(energy_j=n * 3 * e.add_j(self.out_bits))
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
        lut, ff = rm.rtl_unit(
            "ff_rqstage",
            {
                "IN_W": self.in_bits,
                "C": self.channels if self.per_channel else self.pe,
                "LANES": self.pe,
                "MULT_W": max(self.mult_bits, 1),
                "OUT_W": self.out_bits,
            },
        )
        ii = -(-n // self.pe)
        return (est + Estimates(lut=lut, ff=ff)).with_(cycles=ii + 1, ii=ii, fill=1, drain=1)
