"""Cost models of the stream glue between streaming stages (FINN's InsertDWC/InsertFIFO).

The scheduler inserts these as stages of their own (`fpgaforge.dataflow.glue`), so the
estimates count them and the RTL top is built from them:

- `WidthConverter` (`ff_dwc`): `in_lanes` elements per input beat to `out_lanes` per
  output beat, between a producer and a consumer whose lanes differ. One register: an
  output word leaves one cycle after the input beat that completes it (an upsizer waits
  for `out_lanes / in_lanes` producer beats: its `need` is its first output word, needed
  at its own cycle `ratio − 1`, so the producer's pace sets when it starts). A
  downsizer keeps `spare` extra input beats so the producer's longest burst never stalls,
  and after the producer's last beat it still owes the rest of that burst: `burst`
  input beats arriving one per cycle leave as `burst · ratio` output beats, so the drain
  is `burst · (ratio − 1)` + the register.
  Interval: the larger of its input and output beats.
- `Fork` (`ff_fork`): a stream read by `readers` stages goes through `readers − 1`
  combinational two-way forks: no cycles, only their handshake logic.
- `SkipFifo` (`ff_fifo`): the branch of a residual join that arrives first waits in a
  FIFO of `depth` beats (one frame, which keeps the join free of deadlock against the
  line buffers of the longer branch); first-word fall-through, one cycle of latency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template, memory_estimate

REGISTER = 1
"""Cycles from an input beat to the output beat it completes (ff_dwc, ff_fifo)."""


def _traffic(ctx: CostContext, elements: int, bits: int) -> Estimates:
    """On-chip traffic of moving `elements` values of `bits` through a register stage."""
    nbytes = elements * bits / 8
    return Estimates(onchip_bytes=nbytes, energy_j=nbytes * ctx.energy.onchip_byte_j("lutram"))


@dataclass(frozen=True)
class WidthConverter(Template):
    """A stream width converter between two stages whose lanes differ."""

    kind = "dwc"

    elements: int
    bits: int
    in_lanes: int
    out_lanes: int
    spare: int = 2
    burst: int = 1

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.in_lanes, self.out_lanes

    def unit_params(self, width: int | None = None) -> dict[str, Any]:
        """Parameters of `ff_dwc` (`width`: the element width on the wire, default `bits`);
        only a downsizer has spare beats."""
        params = {"EW": int(width or self.bits), "IN_N": self.in_lanes, "OUT_N": self.out_lanes}
        if self.in_lanes > self.out_lanes:
            params["SPARE"] = self.spare
        return params

    def estimate(self, ctx: CostContext) -> Estimates:
        lut, ff = rm.rtl_unit("ff_dwc", {"SPARE": 2, **self.unit_params()})
        in_beats = -(-self.elements // self.in_lanes)
        out_beats = -(-self.elements // self.out_lanes)
        ii = max(in_beats, out_beats)
        # an upsizer's first word is complete with its `ratio`-th input beat (cycle ratio − 1
        # at full input rate) and leaves one cycle later; a downsizer's first word leaves one
        # cycle after the first input beat
        ratio = max(1, self.out_lanes // self.in_lanes)
        upsizer = ratio > 1 and self.elements > 0
        down = -(-self.in_lanes // self.out_lanes)
        return (Estimates(lut=lut, ff=ff) + _traffic(ctx, self.elements, self.bits)).with_(
            cycles=ii + REGISTER,
            ii=ii,
            fill=ratio - 1 + REGISTER,
            drain=max(self.burst, 1) * (down - 1) + REGISTER,
            need=self.out_lanes / self.elements if upsizer else 0.0,
            need_at=ratio - 1 if upsizer else 0,
        )


@dataclass(frozen=True)
class Fork(Template):
    """A stream broadcast to `readers` consumers (`readers − 1` two-way forks)."""

    kind = "fork"

    elements: int
    bits: int
    lanes: int
    readers: int

    def unit_params(self, width: int | None = None) -> dict[str, Any]:
        """Parameters of each `ff_fork` (`width`: the element width on the wire)."""
        return {"W": self.lanes * int(width or self.bits)}

    def estimate(self, ctx: CostContext) -> Estimates:
        lut, ff = rm.rtl_unit("ff_fork", self.unit_params())
        forks = max(self.readers - 1, 0)
        return Estimates(lut=forks * lut, ff=forks * ff)


@dataclass(frozen=True)
class SkipFifo(Template):
    """The FIFO on the early branch of a residual join: `depth` beats of `lanes` elements."""

    kind = "fifo"

    elements: int
    bits: int
    lanes: int
    depth: int

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.lanes, self.lanes

    def unit_params(self, width: int | None = None) -> dict[str, Any]:
        """Parameters of `ff_fifo` (`width`: the element width on the wire)."""
        return {"W": self.lanes * int(width or self.bits), "DEPTH": self.depth}

    def estimate(self, ctx: CostContext) -> Estimates:
        params = self.unit_params()
        lut, ff = rm.rtl_unit("ff_fifo", params)
        storage = memory_estimate(ctx, params["W"], self.depth, "auto")
        control_lut = lut - rm.ram_luts(params["W"], self.depth)
        beats = -(-self.elements // self.lanes)
        return (
            storage
            + Estimates(lut=control_lut, ff=ff)
            + _traffic(ctx, 2 * self.elements, self.bits)
        ).with_(cycles=beats + REGISTER, ii=beats, fill=REGISTER, drain=REGISTER)
