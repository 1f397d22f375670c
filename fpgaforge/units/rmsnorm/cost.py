"""RMSNorm (optionally gated) and table activations (analytic cost models).

RMSNorm over `channels` in groups of `group` channels: y = g · rsqrt(Σ g² / n + eps) · w,
with g = x · silu(z) when `gated` (SiLU by table, one product). Two passes over the
vector: the sum of squares (one multiplier and an accumulator per lane), then the scale
(an rsqrt table lookup per group and one product per channel); the 4-bit power-of-two
quantizer of the next linear's input is counted with the products and adders here.

`TableAct`: an elementwise activation (SiLU, softplus, exp) by a 2^table_bits-entry table,
`lanes` lookups per cycle.

Cycles are those of the RTL (`rtl/verilog/ff_rmsnorm.v`, `ff_int_table.v`, measured by
tests/rtl/modules/test_mamba_units.py): RMSNorm 2 · ceil(channels / lanes) + RMSNORM_LATENCY
from the first input beat to the last output beat (gate product, square, accumulate,
divide, table index, rsqrt read between the passes; read, product, shift after), a table
ceil(elements / lanes) + TABLE_LATENCY (index, clamp, table read).
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

RMSNORM_LATENCY = 8
"""ff_rmsnorm: cycles beyond its two passes of ceil(channels / lanes) beats."""
TABLE_LATENCY = 3
"""ff_int_table: register stages (index, clamp, table read)."""


@dataclass(frozen=True)
class TableAct(Template):
    """Elementwise activation by table lookup."""

    kind = "table_act"
    FOLDING = ("lanes",)

    elements: int
    bits: int = 8
    table_bits: int = 12
    lanes: int = 16

    def options(self) -> list[dict]:
        return [{"lanes": 2**i} for i in range(12)]

    def estimate(self, ctx: CostContext) -> Estimates:
        table = memory_estimate(ctx, self.bits, 2**self.table_bits, "auto", ports=self.lanes)
        ii = math.ceil(self.elements / self.lanes)
        io = 2 * self.elements * self.bits / 8
        est = Estimates(
            lut=self.lanes * rm.adder(self.table_bits),  # index clamp and offset
            onchip_bytes=io,
            energy_j=io * ctx.energy.onchip_byte_j("bram"),
        )
        return with_registers(est + table + control(ctx)).with_(cycles=ii + TABLE_LATENCY, ii=ii)


@dataclass(frozen=True)
class RMSNormUnit(Template):
    """RMSNorm with an optional SiLU gate and a power-of-two output quantizer."""

    kind = "rmsnorm"
    FOLDING = ("lanes",)

    channels: int
    group: int = 0
    gated: bool = False
    batch: int = 1
    bits: int = 16
    out_bits: int = 4
    table_bits: int = 12
    lanes: int = 16

    def options(self) -> list[dict]:
        return [{"lanes": 2**i} for i in range(12)]

    def estimate(self, ctx: CostContext) -> Estimates:
        board = ctx.board
        products = (3 if self.gated else 2) * self.lanes
        mult = rm.mac_array(
            products,
            1,
            self.bits,
            self.bits,
            board.dsp_kind,
            lut_inputs=board.lut_inputs,
            dsp_available=board.capacity["dsp"] > 0,
        )
        acc = 2 * self.bits + math.ceil(math.log2(max(self.channels, 2)))
        adders = self.lanes * rm.adder(acc) + self.lanes * rm.adder(self.bits)  # sum, quantizer
        rsqrt = memory_estimate(ctx, 16, 2**self.table_bits, "auto")
        silu = (
            memory_estimate(ctx, self.bits, 2**self.table_bits, "auto", ports=self.lanes)
            if self.gated
            else Estimates()
        )
        buffer = memory_estimate(
            ctx, self.lanes * self.bits, max(self.channels // self.lanes, 1), "auto"
        )
        ii = 2 * math.ceil(self.batch * self.channels / self.lanes)
        macs = self.batch * self.channels * (products // self.lanes)
        fabric = "dsp" if mult.dsp else "lut"
        est = Estimates(
            dsp=mult.dsp,
            lut=mult.lut + adders,
            macs=macs,
            onchip_bytes=2 * self.batch * self.channels * self.bits / 8,
            energy_j=macs * ctx.energy.mac_j(self.bits, self.bits, fabric),
        )
        est = with_registers(est + rsqrt + silu + buffer + control(ctx))
        return est.with_(cycles=ii + RMSNORM_LATENCY, ii=ii)
