"""Depthwise causal conv1d, one decode step (analytic cost model).

y[c] = bias[c] + Σ_j w[c,j] · window[c,j], window = the last `taps − 1` inputs (the state)
and the new one; the state shifts by one per token. Followed by SiLU (a table).

Geometry: `channels`, `taps`, `batch`, 8-bit inputs and weights (`bits`). Folding: `lanes`
channels per cycle, each with `taps` multipliers and an adder tree.

Cost model (cycles of the RTL, `rtl/verilog/ff_causal_conv.v` into `ff_int_table.v`, measured
by tests/rtl/modules/test_mamba_units.py)
- cycles = ceil(batch · channels / lanes) + CONV_LATENCY (ROM read, activation quantizer,
  the `taps` products, their sum with shift and bias) + the SiLU table's TABLE_LATENCY
- state: batch · channels · (taps − 1) · bits bits, `lanes` channels wide
- weights: channels · taps · bits on chip (a few KB per layer; streamed with the layer's
  other constants when layers share the unit)
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
    memory_estimate,
    with_registers,
)
from fpgaforge.units.rmsnorm.cost import TABLE_LATENCY

CONV_LATENCY = 4
"""ff_causal_conv: register stages (ROM read, quantizer, products, sum)."""


@dataclass(frozen=True)
class CausalConv(Template):
    """Causal depthwise conv1d with state, then SiLU."""

    kind = "causal_conv"
    FOLDING = ("lanes",)

    channels: int
    taps: int = 4
    batch: int = 1
    bits: int = 8
    table_bits: int = 12
    lanes: int = 16

    @property
    def state_bytes(self) -> float:
        return self.batch * self.channels * (self.taps - 1) * self.bits / 8

    @property
    def macs(self) -> int:
        return self.batch * self.channels * self.taps

    def options(self) -> list[dict]:
        return [{"lanes": 2**i} for i in range(12)]

    def estimate(self, ctx: CostContext) -> Estimates:
        board = ctx.board
        mult = rm.mac_array(
            self.lanes,
            self.taps,
            self.bits,
            self.bits,
            board.dsp_kind,
            lut_inputs=board.lut_inputs,
            dsp_available=board.capacity["dsp"] > 0,
        )
        tree = rm.adder_tree(self.lanes, self.taps, 2 * self.bits, in_dsp=bool(mult.dsp))
        width = self.lanes * (self.taps - 1) * self.bits
        depth = max(math.ceil(self.batch * self.channels / self.lanes), 1)
        state = memory_estimate(ctx, width, depth, "auto")
        table = memory_estimate(ctx, self.bits, 2**self.table_bits, "auto", ports=self.lanes)
        ii = depth
        traffic = 2 * self.state_bytes
        fabric = "dsp" if mult.dsp else "lut"
        est = (
            Estimates(
                dsp=mult.dsp,
                lut=mult.lut + tree,
                macs=self.macs,
                onchip_bytes=traffic,
                energy_j=self.macs * ctx.energy.mac_j(self.bits, self.bits, fabric)
                + traffic * ctx.energy.onchip_byte_j("bram"),
            )
            + state
            + table
            + control(ctx)
        )
        return with_registers(est).with_(cycles=ii + CONV_LATENCY + TABLE_LATENCY, ii=ii)
