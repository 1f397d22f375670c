"""Activation by table lookup (sigmoid, tanh, GELU, exp, ...).

Geometry: `elements`, `channels`, input width `in_bits`, output width `out_bits`.
Folding: `pe` lookups per cycle (pe | channels).

Cost model
- interval = elements / pe; one register stage (`ff_lutact` / `ff_rqstage`):
  fill = drain = 1, latency at full input rate = interval + 1
- the table has 2^min(in_bits, table_bits) entries of out_bits (inputs wider than
  `table_bits` index the table with their top bits, hls4ml-style); a block RAM has
  two read ports, so ceil(pe/2) copies; small tables go to LUT RAM (ROM)
- energy: one table read per element
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Template,
    channel_lanes,
    control,
    divisors,
    memory_estimate,
    resolved_memory_kind,
    with_registers,
)


@dataclass(frozen=True)
class LutActivation(Template):
    """Table-lookup activation function."""

    kind = "lut_activation"
    FOLDING = ("pe", "table_mem")

    func: str
    elements: int
    channels: int
    in_bits: int
    out_bits: int
    table_bits: int = 10
    pe: int = 1
    table_mem: str = "auto"

    @property
    def entries(self) -> int:
        return 2 ** min(self.in_bits, self.table_bits)

    def stream_lanes(self) -> tuple[int, int] | None:
        return channel_lanes(self.pe, self.channels)

    def options(self) -> list[dict]:
        return [{"pe": p, "table_mem": self.table_mem} for p in divisors(self.channels)]

    def memories(self) -> list[tuple[str, int, int]]:
        return [("table_mem", self.out_bits, self.entries)]

    def estimate(self, ctx: CostContext) -> Estimates:
        table = memory_estimate(ctx, self.out_bits, self.entries, self.table_mem, ports=self.pe)
        kind = resolved_memory_kind(ctx, self.out_bits, self.entries, self.table_mem)
        reads = self.elements * self.out_bits / 8
        est = (
            table
            + control(ctx)
            + Estimates(onchip_bytes=reads, energy_j=reads * ctx.energy.onchip_byte_j(kind))
        )
        ii = -(-self.elements // self.pe)
        return with_registers(est).with_(cycles=ii + 1, ii=ii, fill=1, drain=1)
