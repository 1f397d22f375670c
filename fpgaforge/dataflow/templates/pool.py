"""Streaming pooling (max / average / global), FINN StreamingMaxPool-like.

Geometry: `channels`, input `in_h × in_w`, kernel `kh × kw`, output `out_h × out_w`
(global pooling: kernel = input), element width `bits`. Folding: `pe` channels per cycle.

Cost model
- interval = in_h·in_w·channels/pe (every input read once)
- timing of `ff_pool`: a pooled value leaves one cycle after the beat that completes
  its window: fill = ((kh−1)·in_w + kw−1)·channels/pe + 1, drain = 1, latency at
  full input rate = interval + 1
- max: pe comparators + muxes of `bits`; avg: pe adders of bits + log2(kh·kw) and one
  constant multiplier per lane for the 1/(kh·kw) scale (a shift when kh·kw is a power of two)
- line buffer ((kh−1)·in_w + kw)·channels elements (none for global pooling: one
  accumulator per channel, channels·(bits+log2 window) bits)
"""

from __future__ import annotations

import math
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

    def options(self) -> list[dict]:
        return [{"pe": p} for p in divisors(self.channels)]

    def estimate(self, ctx: CostContext) -> Estimates:
        window = self.kh * self.kw
        grow = math.ceil(math.log2(window)) if window > 1 else 0
        inputs = self.channels * self.in_h * self.in_w * self.batch
        if self.pool_kind == "max":
            lut = (
                self.pe
                * (rm.coef("lut", "compare_per_bit") + rm.coef("lut", "mux2_per_bit"))
                * self.bits
            )
            energy = inputs * ctx.energy.add_j(self.bits)
            dsp = 0.0
        else:
            lut = self.pe * rm.adder(self.bits + grow)
            energy = inputs * ctx.energy.add_j(self.bits + grow)
            dsp = 0.0
            if window & (window - 1):  # not a power of two: a constant multiply per lane
                mult = rm.mac_array(
                    self.pe,
                    1,
                    16,
                    self.bits + grow,
                    ctx.board.dsp_kind,
                    lut_inputs=ctx.board.lut_inputs,
                    dsp_available=ctx.board.capacity["dsp"] > 0,
                )
                lut += mult.lut
                dsp = mult.dsp
        if self.is_global:
            buffer = memory_estimate(ctx, self.bits + grow, self.channels, "auto")
        else:
            depth = -(-((self.kh - 1) * self.in_w + self.kw) * self.channels // self.pe)
            buffer = memory_estimate(ctx, self.pe * self.bits, depth, "auto")
        ii = self.batch * self.in_h * self.in_w * (self.channels // self.pe)
        io = inputs * self.bits / 8
        est = Estimates(
            dsp=dsp,
            lut=lut,
            onchip_bytes=io,
            energy_j=energy + io * ctx.energy.onchip_byte_j("lutram"),
        )
        est = with_registers(est + buffer + control(ctx))
        groups = self.channels // self.pe
        first = ((self.kh - 1) * self.in_w + self.kw - 1) * groups + 1
        return est.with_(cycles=ii + 1, ii=ii, fill=first, drain=1)
