"""Selective-scan (Mamba SSM) unit (future kernel; analytic cost model).

Per token t, channel d and state element s:
  dA = exp(Δ[t,d] · A[d,s])          (table lookup)
  h[d,s] = dA · h[d,s] + Δ[t,d] · B[t,s] · x[t,d]
  y[t,d] = Σ_s C[t,s] · h[d,s] + D[d] · x[t,d]

Geometry: `seq_len` tokens, `d_inner` channels, `d_state` state size, width
`bits` (state `state_bits`). Folding: `lanes` (d, s) pairs updated per cycle
(lanes | d_inner·d_state).

Cost model
- multipliers per lane: dA·h, Δ·B (shared per (t,s) across d is ignored), ·x, C·h: 4 products;
  plus one exp table per lane and one adder tree over d_state for y
- cycles = seq_len · max(d_inner·d_state / lanes, loop_latency): the recurrence
  h[t] ← h[t−1] cannot start before the previous update of the same (d,s) left the
  multiply-add pipeline (`loop_latency` cycles); enough (d,s) pairs per lane hide it
- state memory: d_inner·d_state·state_bits bits, width lanes·state_bits (ping-pong in place)
- MACs: 4·seq_len·d_inner·d_state (+ seq_len·d_inner for D·x)
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    control,
    divisors,
    memory_estimate,
    with_registers,
)

PRODUCTS_PER_UPDATE = 4


@dataclass(frozen=True)
class SSMScan(Template):
    """Streaming selective-scan unit."""

    kind = "ssm_scan"
    FOLDING = ("lanes", "state_mem")

    seq_len: int
    d_inner: int
    d_state: int
    bits: int
    state_bits: int = 24
    loop_latency: int = 6
    table_bits: int = 10
    lanes: int = 1
    state_mem: str = "auto"

    @property
    def pairs(self) -> int:
        return self.d_inner * self.d_state

    @property
    def macs(self) -> int:
        return PRODUCTS_PER_UPDATE * self.seq_len * self.pairs + self.seq_len * self.d_inner

    def options(self) -> list[dict]:
        return [{"lanes": p, "state_mem": self.state_mem} for p in divisors(self.pairs)]

    def memories(self) -> list[tuple[str, int, int]]:
        return [("state_mem", self.lanes * self.state_bits, self.pairs // self.lanes)]

    def estimate(self, ctx: CostContext) -> Estimates:
        board = ctx.board
        mult = rm.mac_array(
            PRODUCTS_PER_UPDATE * self.lanes,
            1,
            self.bits,
            self.state_bits,
            board.dsp_kind,
            lut_inputs=board.lut_inputs,
            dsp_available=board.capacity["dsp"] > 0,
        )
        adders = self.lanes * 2 * rm.adder(self.state_bits)
        exp_tables = memory_estimate(ctx, self.bits, 2**self.table_bits, "auto", ports=self.lanes)
        _, width, depth = self.memories()[0]
        state = memory_estimate(ctx, width, depth, self.state_mem)
        ii = self.seq_len * max(self.pairs // self.lanes, self.loop_latency)
        state_traffic = 2 * self.seq_len * self.pairs * self.state_bits / 8
        fabric = "dsp" if mult.dsp else "lut"
        est = (
            Estimates(
                dsp=mult.dsp,
                lut=mult.lut + adders,
                macs=self.macs,
                onchip_bytes=state_traffic,
                energy_j=self.macs * ctx.energy.mac_j(self.bits, self.state_bits, fabric)
                + state_traffic * ctx.energy.onchip_byte_j("bram"),
            )
            + exp_tables
            + state
            + control(ctx)
        )
        return with_registers(est).with_(cycles=ii + self.loop_latency + 4, ii=ii)
