"""Mamba-2 SSM decode-step unit (LightMamba's SSM unit; analytic cost model).

Per token, head h (group g = h // (H/G)), channel p of the head and state element s:
  dt' = softplus(dt[h] + bias[h])        (table, per head)
  dA  = exp(dt' · A[h])                  (table, per head)
  dB[s] = dt' · B[g,s]                   (per head and s)
  h[h,p,s] = dA · h[h,p,s] + dB[s] · x[h,p]
  y[h,p] = Σ_s h[h,p,s] · C[g,s] + D[h] · x[h,p];  out = y · silu(z[h,p])  (gating)

Geometry: `heads`, `headdim`, `d_state`, `batch`; 8-bit operands (`bits`), state kept in
`state_bits`. Folding: `lanes` (p, s) pairs updated per cycle (lanes | headdim·d_state);
`state_place` "onchip" (its own URAM/BRAM, updated in place), "store" (a state store
outside the unit that the schedule counts, shared by the layers) or "stream" (read and
written back off chip each token, overlapped with the update).

Cost model
- products per pair: dA·h, dB·x, h·C: 3 (dB per (h, s) and D·x, gating per (h, p) are
  shared by a head's pairs and run on `lanes / d_state`-wide side paths)
- cycles = batch · heads · max(headdim·d_state / lanes, loop_latency) + tables and drain;
  a head's per-head scalars (two table lookups) overlap the previous head
- C reduction: an adder tree over the lanes' s range per cycle plus an accumulator per p
- state: heads·headdim·d_state·state_bits bits per batch entry
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

PRODUCTS_PER_PAIR = 3
TABLES = ("softplus", "exp", "silu")


@dataclass(frozen=True)
class SSMStep(Template):
    """One decode step of a Mamba-2 selective state space layer, gating included."""

    kind = "ssm_step"
    FOLDING = ("lanes", "state_place")

    heads: int
    headdim: int
    d_state: int
    batch: int = 1
    bits: int = 8
    state_bits: int = 8
    table_bits: int = 12
    loop_latency: int = 6
    lanes: int = 128
    state_place: str = "onchip"
    groups: int = 1
    group: int = 8

    @property
    def pairs(self) -> int:
        return self.heads * self.headdim * self.d_state

    @property
    def state_bytes(self) -> float:
        return self.batch * self.pairs * self.state_bits / 8

    @property
    def macs(self) -> int:
        per_head = self.d_state + 2 * self.headdim  # dB, D·x, gating
        return self.batch * (PRODUCTS_PER_PAIR * self.pairs + self.heads * per_head)

    def options(self) -> list[dict]:
        head = self.headdim * self.d_state
        return [{"lanes": d} for d in (2**i for i in range(16)) if head % d == 0]

    def estimate(self, ctx: CostContext) -> Estimates:
        board = ctx.board
        per_head = self.headdim * self.d_state
        if per_head % self.lanes:
            raise ValueError(f"{self.lanes} SSM lanes do not divide a head's {per_head} pairs")
        side = max(self.lanes // self.d_state, 1)
        mult = rm.mac_array(
            PRODUCTS_PER_PAIR * self.lanes + 3 * side,
            1,
            self.bits,
            self.bits,
            board.dsp_kind,
            lut_inputs=board.lut_inputs,
            dsp_available=board.capacity["dsp"] > 0,
        )
        acc = self.state_bits + self.bits + math.ceil(math.log2(max(self.d_state, 2)))
        adders = self.lanes * 2 * rm.adder(acc)  # h update add + requantizing round
        tree = rm.adder_tree(side, max(self.lanes // side, 1), 2 * self.bits, in_dsp=False)
        tables = sum(
            (
                memory_estimate(ctx, self.bits, 2**self.table_bits, "auto", ports=side)
                for _ in TABLES
            ),
            Estimates(),
        )
        state = Estimates()
        if self.state_place == "onchip":
            depth = max(self.batch * self.pairs // self.lanes, 1)
            state = memory_estimate(ctx, self.lanes * self.state_bits, depth, "auto")
        ii = self.batch * self.heads * max(per_head // self.lanes, self.loop_latency)
        traffic = 2 * self.state_bytes
        if self.state_place not in ("onchip", "store", "stream"):
            raise ValueError(f"unknown state place {self.state_place!r}")
        offchip = traffic if self.state_place == "stream" else 0.0
        fabric = "dsp" if mult.dsp else "lut"
        est = (
            Estimates(
                dsp=mult.dsp,
                lut=mult.lut + adders + tree,
                macs=self.macs,
                onchip_bytes=traffic,
                offchip_bytes=offchip,
                energy_j=self.macs * ctx.energy.mac_j(self.bits, self.bits, fabric)
                + self.batch * self.pairs * 2 * ctx.energy.add_j(acc)
                + traffic * ctx.energy.onchip_byte_j("uram")
                + offchip * ctx.energy.offchip_byte_j(),
            )
            + tables
            + state
            + control(ctx)
        )
        fill = 2 * 4 + self.loop_latency  # two table lookups, multiply-add pipeline
        return with_registers(est).with_(cycles=ii + fill + 4, ii=ii)
