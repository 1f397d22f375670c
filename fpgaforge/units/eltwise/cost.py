"""Element-wise streaming units: add/sub/max/min of two streams, multiply, affine.

Geometry: `elements` per inference, `channels` (the parallel dimension), element
width `bits`, the operation `op` ('add', 'sub', 'max', 'min', 'mul', 'affine',
'relu', 'clip', 'copy'), and `inputs` (1 or 2 streams; a constant operand is a
per-channel parameter memory). Folding: `pe` elements per cycle (pe | channels).

Cost model
- cycles = elements / pe (+1 register stage, +2 for multipliers): fill = drain = 1
  (2); a two-input unit (`ff_add`) starts when both streams are there
- add/sub/max/min/relu/clip: pe adders or comparators of `bits`
- mul: pe multipliers bits × bits; affine: pe multipliers (param_bits × bits) + pe adders
- per-channel constants: channels × param_bits bits of memory (LUT RAM when small)
- `relu`: a ReLU fused behind a two-input add (the residual join's `ff_add` clamps in its
  own register stage: no extra cycle)
- the FIFO on the short branch of a residual join is a glue stage of its own
  (`fpgaforge.units.glue.SkipFifo`)
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    channel_lanes,
    control,
    divisors,
    memory_estimate,
    with_registers,
)

CHEAP = ("add", "sub", "max", "min", "relu", "clip", "copy")


@dataclass(frozen=True)
class Eltwise(Template):
    """Element-wise unit on one or two streams."""

    kind = "eltwise"
    FOLDING = ("pe",)

    op: str
    elements: int
    channels: int
    bits: int
    inputs: int = 1
    param_bits: int = 0
    relu: bool = False
    pe: int = 1

    def stream_lanes(self) -> tuple[int, int] | None:
        return channel_lanes(self.pe, self.channels)

    def options(self) -> list[dict]:
        return [{"pe": p} for p in divisors(self.channels)]

    def estimate(self, ctx: CostContext) -> Estimates:
        e = ctx.energy
        n = self.elements
        if self.op in ("mul", "affine"):
            wb = self.param_bits or self.bits
            mult = rm.mac_array(
                self.pe,
                1,
                wb,
                self.bits,
                ctx.board.dsp_kind,
                lut_inputs=ctx.board.lut_inputs,
                dsp_available=ctx.board.capacity["dsp"] > 0,
            )
            lut = mult.lut + (self.pe * rm.adder(self.bits + wb) if self.op == "affine" else 0)
            est = Estimates(
                dsp=mult.dsp,
                lut=lut,
                macs=n,
                energy_j=n * e.mac_j(wb, self.bits, "dsp" if mult.dsp else "lut"),
            )
        elif self.op == "copy":
            est = Estimates()
        else:
            per_bit = rm.coef("lut", "adder_per_bit")
            if self.op in ("max", "min", "relu", "clip"):
                per_bit = rm.coef("lut", "compare_per_bit") + rm.coef("lut", "mux2_per_bit")
            factor = 2 if self.op == "clip" else 1
            est = Estimates(
                lut=self.pe * per_bit * self.bits * factor, energy_j=n * factor * e.add_j(self.bits)
            )
        if self.relu:  # a ReLU fused behind the operation: a compare and select per lane bit
            per_bit = rm.coef("lut", "compare_per_bit") + rm.coef("lut", "mux2_per_bit")
            est += Estimates(lut=self.pe * per_bit * self.bits, energy_j=n * e.add_j(self.bits))
        if self.param_bits:
            est += memory_estimate(
                ctx,
                self.pe * self.param_bits * (2 if self.op == "affine" else 1),
                self.channels // self.pe,
                "auto",
            )
        io = n * self.bits * (self.inputs + 1) / 8
        est += Estimates(onchip_bytes=io, energy_j=io * e.onchip_byte_j("lutram"))
        ii = -(-n // self.pe)
        if self.op == "copy":
            return est.with_(cycles=0, ii=0)
        # add/compare units (ff_add, ff_rqstage) have one register stage: an output one
        # cycle after its input(s); multipliers two
        stages = 1 if self.op in CHEAP else 2
        return with_registers(est + control(ctx)).with_(
            cycles=ii + stages, ii=ii, fill=stages, drain=stages
        )
