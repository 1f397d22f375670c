"""Cost model of the clip unit (`ff_clip`): y = min(max(x, lo), hi) on `pe` lanes.

Geometry: `elements` per inference, `channels` (the parallel dimension), code width
`bits`. Folding: `pe` lanes (pe | channels).

- cycles = elements / pe + 1: one register stage (fill = drain = 1)
- LUTs and FFs: the structure of `ff_clip` (`terms.py`): two comparators and a select per
  lane bit plus handshake; the output register of every lane
- energy: two compares per element
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template, divisors

REGISTER = 1
"""Cycles from an input beat to its output beat."""


@dataclass(frozen=True)
class Clip(Template):
    """A stand-alone clip activation."""

    kind = "clip"
    FOLDING = ("pe",)

    elements: int
    channels: int
    bits: int
    signed: bool = True
    pe: int = 1

    def options(self) -> list[dict]:
        return [{"pe": p} for p in divisors(self.channels)]

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.pe, self.pe

    def unit_params(self) -> dict[str, int]:
        """`ff_clip`'s parameters other than the bounds (which are the node's codes)."""
        return {"W": self.bits, "SIGNED": int(self.signed), "LANES": self.pe}

    def estimate(self, ctx: CostContext) -> Estimates:
        lut, ff = rm.rtl_unit("ff_clip", self.unit_params())
        ii = -(-self.elements // self.pe)
        io = 2 * self.elements * self.bits / 8
        return Estimates(
            lut=lut,
            ff=ff,
            onchip_bytes=io,
            energy_j=self.elements * 2 * ctx.energy.add_j(self.bits)
            + io * ctx.energy.onchip_byte_j("lutram"),
        ).with_(cycles=ii + REGISTER, ii=ii, fill=REGISTER, drain=REGISTER)
