"""Streaming pooling (max / average / global), FINN StreamingMaxPool-like.

Geometry: `channels`, input `in_h × in_w`, kernel `kh × kw`, output `out_h × out_w`
(global pooling: kernel = input), element width `bits`. Folding: `pe` channels per cycle.

Cost model
- interval = in_h·in_w·channels/pe (every input read once)
- timing of `ff_pool`: a pooled value leaves one cycle after the beat that completes
  its window: fill = ((kh−1)·in_w + kw−1)·channels/pe + 1, drain = 1, latency at
  full input rate = interval + 1
- LUTs and FFs: the structure of `ff_pool` (`resource_model.rtl_unit_terms`): a comparator
  (max) or adder (sum, bits + log2(kh·kw) wide) per lane, one row of in_w/kw·channels
  partial results (LUT RAM with one lane, registers with more; one value per channel for
  global pooling), four 32-bit counters, the output register; average pooling adds one
  constant multiplier per lane for the 1/(kh·kw) scale (a shift when kh·kw is a power of two)
"""

from __future__ import annotations

import math
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
class Pool(Template):
    """Streaming max/avg pooling, or global pooling when `is_global`."""

    kind = "pool"
    FOLDING = ("pe",)

    channels: int
    in_h: int
    in_w: int
    kh: int
    kw: int
    out_h: int
    out_w: int
    batch: int
    bits: int
    pool_kind: str = "max"
    is_global: bool = False
    pe: int = 1

    def stream_lanes(self) -> tuple[int, int] | None:
        return channel_lanes(self.pe, self.channels)

    def burst_beats(self) -> int:
        lanes = self.stream_lanes()[0]
        return self.channels // lanes

    def options(self) -> list[dict]:
        return [{"pe": p} for p in divisors(self.channels)]

    def estimate(self, ctx: CostContext) -> Estimates:
        window = self.kh * self.kw
        grow = math.ceil(math.log2(window)) if window > 1 else 0
        inputs = self.channels * self.in_h * self.in_w * self.batch
        width = self.bits if self.pool_kind == "max" else self.bits + grow
        energy = inputs * ctx.energy.add_j(width)
        dsp, lut = 0.0, 0.0
        if self.pool_kind != "max" and window & (window - 1):
            # not a power of two: a constant multiply per lane
            mult = rm.mac_array(
                self.pe,
                1,
                16,
                width,
                ctx.board.dsp_kind,
                lut_inputs=ctx.board.lut_inputs,
                dsp_available=ctx.board.capacity["dsp"] > 0,
            )
            lut, dsp = mult.lut, mult.dsp
        unit_lut, unit_ff = rm.rtl_unit(
            "ff_pool",
            {
                "OUT_W": width,
                "C": self.channels,
                "W": self.in_w,
                "KW": self.in_w if self.is_global else self.kw,
                "LANES": self.pe,
            },
        )
        ii = self.batch * self.in_h * self.in_w * (self.channels // self.pe)
        io = inputs * self.bits / 8
        est = Estimates(
            dsp=dsp,
            lut=lut + unit_lut,
            ff=unit_ff,
            onchip_bytes=io,
            energy_j=energy + io * ctx.energy.onchip_byte_j("lutram"),
        )
        groups = self.channels // self.pe
        first = ((self.kh - 1) * self.in_w + self.kw - 1) * groups + 1
        return est.with_(cycles=ii + 1, ii=ii, fill=first, drain=1)
