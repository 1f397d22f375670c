"""MatMul of two activations: `mats` independent (m × k) · (k × n) products per inference
(the heads of an attention), both operands streamed.

Cost model (rtl/verilog/ff_act_matmul.v and `act_matmul.h`)
- both operands are stored whole, twice (`a_elements` · a_bits and `b_elements` · b_bits
  per buffer, two buffers each), loading at once: max(a_elements, b_elements) / simd
  cycles;
- every output sums k products, `simd` of them per cycle (simd | k): mats · m · n · k /
  simd cycles; simd multipliers of a_bits × b_bits and an adder tree into acc_bits.
An inference loads while the previous one computes: ii = max(load, compute); the latency
(first input to last output) is load + compute plus the output register
(PIPELINE_CYCLES); the first output leaves one output's products after the last input
(fill = load + k/simd), the last one compute + 1 cycles after it. It needs all of both
operands before its first output (`need` 1, the last taken at cycle load − 1: behind a
slower producer the first output leaves k/simd + 1 cycles after the last input).
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

PIPELINE_CYCLES = 1
"""The output register behind the multiply-accumulate."""


@dataclass(frozen=True)
class ActMatMul(Template):
    """A batch of products of two streamed matrices."""

    kind = "act_matmul"
    FOLDING = ("simd",)
    STREAM_INPUTS = 2
    """Both operands are streams (the glue converts each to `simd` lanes)."""

    mats: int
    m: int
    k: int
    n: int
    a_elements: int
    b_elements: int
    a_bits: int
    b_bits: int
    acc_bits: int
    simd: int = 1

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.simd, 1

    def options(self) -> list[dict]:
        # ff_act_matmul and ff::act_matmul do one product per cycle; simd stays a parameter
        # of the model (what a wider unit would cost), not a choice the scheduler makes
        return [{"simd": 1}]

    def load_cycles(self) -> int:
        """Cycles to store both operands (they load at once)."""
        return -(-max(self.a_elements, self.b_elements) // self.simd)

    def compute_cycles(self) -> int:
        """Cycles of the multiply-accumulate loops."""
        return self.mats * self.m * self.n * (self.k // self.simd)

    def estimate(self, ctx: CostContext) -> Estimates:
        e, board = ctx.energy, ctx.board
        macs = self.mats * self.m * self.n * self.k
        mult = rm.mac_array(
            1,
            self.simd,
            self.a_bits,
            self.b_bits,
            board.dsp_kind,
            lut_inputs=board.lut_inputs,
            acc_bits=self.acc_bits,
            dsp_available=board.capacity["dsp"] > 0,
        )
        fabric = "dsp" if mult.dsp else "lut"
        buffers = memory_estimate(
            ctx, self.simd * self.a_bits, 2 * -(-self.a_elements // self.simd), "auto"
        ) + memory_estimate(
            ctx, self.simd * self.b_bits, 2 * -(-self.b_elements // self.simd), "auto"
        )
        io = (self.a_elements * self.a_bits + self.b_elements * self.b_bits) / 8
        est = (
            Estimates(
                dsp=mult.dsp,
                lut=mult.lut + self.simd * rm.adder(self.acc_bits),
                macs=macs,
                onchip_bytes=io,
                energy_j=macs * e.mac_j(self.a_bits, self.b_bits, fabric)
                + io * e.onchip_byte_j("bram"),
            )
            + buffers
        )
        load, compute = self.load_cycles(), self.compute_cycles()
        ii = max(load, compute)
        return with_registers(est + control(ctx)).with_(
            cycles=load + compute + PIPELINE_CYCLES,
            ii=ii,
            fill=load + self.k // self.simd,
            drain=compute + PIPELINE_CYCLES,
            # nothing leaves before both operands are whole: behind a slower producer the
            # first output waits for its last input
            need=1.0,
            need_at=load - 1,
        )
