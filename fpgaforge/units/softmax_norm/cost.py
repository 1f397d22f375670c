"""Row-wise units: softmax and normalization (LayerNorm, LRN, Reduce).

Geometry: `rows` rows of `row_len` elements, element width `bits`, `kind`
('softmax', 'layernorm', 'reduce', 'lrn'). Folding: `pe` elements per cycle (pe | row_len).

Cost model
- softmax: the RTL unit `ff_softmax` (`softmax.py`): the row loads (max) while the
  previous row passes through exp + sum, a reciprocal of the sum by a restoring divider and
  one multiply per output: interval rows · (2·row_len + reciprocal bits + 1); pe = 1
- layernorm: pass 1 mean and sum of squares (pe multipliers for x²), pass 2 normalize
  (pe multipliers for (x−μ)·rsqrt·γ, pe adders for +β): cycles = rows·2·row_len/pe + rsqrt
  latency; an rsqrt table; row buffer
- reduce: one pass of adders/comparators: rows·row_len/pe
- lrn: a window of `size` squares summed per element then a pow table: like layernorm
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
from fpgaforge.units.softmax_norm import softmax
from fpgaforge.units.softmax_norm.softmax import SoftmaxGeometry


@dataclass(frozen=True)
class SoftmaxNorm(Template):
    """Softmax / LayerNorm / Reduce / LRN over rows."""

    kind = "softmax_norm"
    FOLDING = ("pe",)

    op: str
    rows: int
    row_len: int
    bits: int
    table_bits: int = 10
    pe: int = 1
    signed: bool = True
    table_len: int = 0
    table_shift: int = 0
    exp_max: int = 0
    exp_first: int = 0
    out_frac: int = 0

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.pe, self.pe

    def options(self) -> list[dict]:
        if self.op == "softmax":  # ff_softmax (and ff::softmax) take one element per cycle
            return [{"pe": 1}]
        return [{"pe": p} for p in divisors(self.row_len)]

    def softmax_geometry(self) -> SoftmaxGeometry:
        """The `ff_softmax` of this row unit: from the quantizer's exp table when the
        template carries it (`table_len` > 0), else the table `bits`-bit codes would get."""
        if not self.table_len:
            return softmax.default_geometry(self.row_len, self.bits, self.signed)
        return softmax.geometry(
            self.row_len,
            self.bits,
            self.signed,
            self.table_len,
            self.table_shift,
            self.exp_max,
            self.exp_first,
            self.out_frac,
        )

    def estimate(self, ctx: CostContext) -> Estimates:
        if self.op == "softmax":
            return softmax.estimate(self.softmax_geometry(), self.rows, ctx)
        e = ctx.energy
        n = self.rows * self.row_len
        acc = self.bits + max(1, self.row_len.bit_length())
        dsp_ok = ctx.board.capacity["dsp"] > 0
        mult = rm.mac_array(
            self.pe,
            1,
            self.bits,
            self.bits,
            ctx.board.dsp_kind,
            lut_inputs=ctx.board.lut_inputs,
            dsp_available=dsp_ok,
        )
        fabric = "dsp" if mult.dsp else "lut"
        per_row = self.row_len // self.pe
        row_buffer = memory_estimate(ctx, self.pe * self.bits, per_row, "auto")
        if self.op == "reduce":
            est = Estimates(lut=self.pe * rm.adder(acc), energy_j=n * e.add_j(acc))
            ii = self.rows * per_row
            latency = ii
        else:  # layernorm, lrn
            table = memory_estimate(ctx, self.bits, 2 ** min(self.bits, self.table_bits), "auto")
            est = (
                Estimates(
                    dsp=2 * mult.dsp,
                    lut=2 * mult.lut + self.pe * 2 * rm.adder(acc) + rm.adder(2 * acc),
                    macs=2 * n,
                    energy_j=n * (2 * e.mac_j(self.bits, self.bits, fabric) + 2 * e.add_j(acc)),
                )
                + table
                + row_buffer
            )
            ii = self.rows * (2 * per_row + 8)
            latency = ii
        io = 2 * n * self.bits / 8
        est = with_registers(
            est + control(ctx) + Estimates(onchip_bytes=io, energy_j=io * e.onchip_byte_j("lutram"))
        )
        return est.with_(cycles=latency + 4, ii=ii)
