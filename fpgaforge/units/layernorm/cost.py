"""The integer LayerNorm unit (semantics: `fpgaforge.ir.ops.table_int.layernorm_codes`).

Geometry: `rows` rows of `row_len` codes of `bits` bits; gamma of `param_bits`, the
rsqrt table of 2^table_bits entries of `rsqrt_bits`; the output (z · gamma + beta) of
`out_bits`. Folding: `pe` elements per cycle (pe | row_len).

Cost model
- pass 1 reads the row into a row buffer and accumulates Σ x and Σ x² (pe squarers of
  bits × bits and two adder trees): row_len / pe cycles;
- the variance n·Q − S² (one wide multiplier), the even normalizing shift (a priority
  encoder), the table read and the shift amount: RSQRT_CYCLES cycles per row;
- pass 2 per element: d = n·x − S, d · r (a (bits + log2 n + 1) × rsqrt_bits multiplier),
  the rounding shift, z · gamma (a z_bits × param_bits multiplier) and + beta: row_len / pe
  cycles.
Two row buffers (rtl/verilog/ff_layernorm.v): a row loads while the previous one is
processed (RSQRT_CYCLES, then pass 2), so ii = rows · (row_len / pe + RSQRT_CYCLES) with
the input at full rate; the latency (first input to last output) adds the first row's load
and PIPELINE_CYCLES; the first output leaves row_len / pe + FILL_EXTRA cycles after the
first input; the last one as long after the last input with one row, two cycles more with
several (the third row waits for the first row's buffer).
"""

from __future__ import annotations

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

RSQRT_CYCLES = 2
"""Per row between the passes: the variance; the normalizing shift with the table read."""
PIPELINE_CYCLES = 1
"""The output register behind pass 2's datapath."""
FILL_EXTRA = 3
"""From the row's last input to its first output: the two rsqrt cycles and the register."""


@dataclass(frozen=True)
class LayerNormUnit(Template):
    """Integer LayerNorm over rows of codes."""

    kind = "layernorm"
    FOLDING = ("pe",)

    rows: int
    row_len: int
    bits: int
    out_bits: int = 32
    param_bits: int = 16
    rsqrt_bits: int = 17
    table_bits: int = 10
    pe: int = 1

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.pe, self.pe

    def options(self) -> list[dict]:
        # ff_layernorm and ff::layernorm take one element per cycle; pe stays a parameter of
        # the model (what a wider unit would cost), not a choice the scheduler makes
        return [{"pe": 1}]

    def estimate(self, ctx: CostContext) -> Estimates:
        e, board = ctx.energy, ctx.board
        n = self.rows * self.row_len
        log_n = max(1, (self.row_len - 1).bit_length())
        d_bits = self.bits + log_n + 1
        z_bits = self.out_bits - self.param_bits
        dsp_ok = board.capacity["dsp"] > 0

        def multipliers(count: int, a: int, b: int):
            return rm.mac_array(
                count,
                1,
                a,
                b,
                board.dsp_kind,
                lut_inputs=board.lut_inputs,
                dsp_available=dsp_ok,
            )

        square = multipliers(self.pe, self.bits, self.bits)
        scale = multipliers(self.pe, d_bits, self.rsqrt_bits)
        affine = multipliers(self.pe, max(z_bits, 2), self.param_bits)
        variance = multipliers(1, 2 * self.bits + log_n, 2 * self.bits + log_n)
        acc = 2 * self.bits + log_n
        per_row = self.row_len // self.pe
        row_buffer = memory_estimate(ctx, self.pe * self.bits, per_row, "auto")
        table = memory_estimate(ctx, self.rsqrt_bits, 2**self.table_bits, "auto")
        params = memory_estimate(ctx, self.pe * (self.param_bits + self.out_bits), per_row, "auto")
        fabric = "dsp" if square.dsp else "lut"
        est = (
            Estimates(
                dsp=square.dsp + scale.dsp + affine.dsp + variance.dsp,
                lut=square.lut
                + scale.lut
                + affine.lut
                + variance.lut
                + self.pe * (2 * rm.adder(acc) + rm.adder(d_bits) + rm.adder(self.out_bits))
                + rm.adder(2 * acc),
                macs=3 * n,
                energy_j=n
                * (
                    e.mac_j(self.bits, self.bits, fabric)
                    + e.mac_j(d_bits, self.rsqrt_bits, fabric)
                    + e.mac_j(max(z_bits, 2), self.param_bits, fabric)
                    + 3 * e.add_j(acc)
                ),
            )
            + row_buffer
            + table
            + params
        )
        ii = self.rows * (per_row + RSQRT_CYCLES)
        io = n * (self.bits + self.out_bits) / 8
        est = with_registers(
            est + control(ctx) + Estimates(onchip_bytes=io, energy_j=io * e.onchip_byte_j("lutram"))
        )
        fill = per_row + FILL_EXTRA
        drain = fill + (RSQRT_CYCLES if self.rows > 1 else 0)
        return est.with_(cycles=per_row + ii + PIPELINE_CYCLES, ii=ii, fill=fill, drain=drain)
