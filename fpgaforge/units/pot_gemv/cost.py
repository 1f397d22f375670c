"""W4A4 group-quantized matrix-vector unit (LightMamba's matrix unit; analytic cost model).

y[r] = Σ_g (2^s1[r,g] + 2^s2[r,g]) · 2^sa[g] · Σ_{k in g} q[r,k] · x[k]: 4-bit weight codes
q in groups of `w_group` input channels, each group scaled by two power-of-two shifts;
activations 4-bit with a power-of-two shift per `a_group` channels.

Geometry: `rows` × `cols` weights, `batch` activation vectors sharing each weight.
Folding: `lanes` 4×4 products per cycle, arranged as `lanes / simd` output rows
(PE) × `simd` input channels (simd | w_group); `port_bytes` weight bytes per cycle that
the off-chip stream delivers; `buffer_bytes` of on-chip weight buffer (double-buffered
tiles: one being computed, one being filled).

Cost model
- compute cycles = ceil(rows · cols · batch / lanes): a streamed weight is used `batch`
  times while it sits in the tile buffer
- stream cycles = weight bytes / port_bytes; weight bytes = rows·cols·w_bits/8 codes +
  rows·(cols/w_group)·2·shift_bits/8 scale shifts
- cycles = max(compute, stream) + pipeline depth (multiplier, log2(simd) adder tree,
  two shift-adds); the slower of the two paces the unit, double buffering hides the other
- LUTs: lanes LUT multipliers 4×4, an adder tree per PE over simd products, per PE two
  shift-adds (s1, s2; the shifts are wiring) into a 32-bit accumulator, activation shift
  alignment per a_group; no DSP
- buffer: 2 tiles in URAM/BRAM, width = the stream's bits per cycle
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

ACC_BITS = 32


@dataclass(frozen=True)
class PotGemv(Template):
    """Matrix-vector engine with streamed 4-bit weights and power-of-two group scales."""

    kind = "pot_gemv"
    FOLDING = ("lanes", "simd", "port_bytes", "buffer_bytes")

    rows: int
    cols: int
    batch: int = 1
    w_bits: int = 4
    a_bits: int = 4
    w_group: int = 128
    shift_bits: int = 3
    lanes: int = 64
    simd: int = 64
    port_bytes: float = 32.0
    buffer_bytes: int = 2 * 64 * 1024

    @property
    def pe(self) -> int:
        return max(self.lanes // self.simd, 1)

    @property
    def macs(self) -> int:
        return self.rows * self.cols * self.batch

    @property
    def weight_bytes(self) -> float:
        codes = self.rows * self.cols * self.w_bits / 8
        scales = self.rows * math.ceil(self.cols / self.w_group) * 2 * self.shift_bits / 8
        return codes + scales

    @property
    def compute_cycles(self) -> int:
        return math.ceil(self.macs / self.lanes)

    @property
    def stream_cycles(self) -> float:
        return self.weight_bytes / self.port_bytes if self.port_bytes else math.inf

    @property
    def depth(self) -> int:
        return 2 + max(1, math.ceil(math.log2(max(self.simd, 2)))) + 2

    def options(self) -> list[dict]:
        out = []
        lanes = self.simd
        while lanes <= 16 * 1024:
            out.append({"lanes": lanes})
            lanes *= 2
        return out

    def estimate(self, ctx: CostContext) -> Estimates:
        if self.w_group % self.simd and self.simd % self.w_group:
            raise ValueError(f"simd {self.simd} and weight group {self.w_group} do not nest")
        board = ctx.board
        mult = rm.mac_array(
            self.pe,
            self.simd,
            self.w_bits,
            self.a_bits,
            board.dsp_kind,
            lut_inputs=board.lut_inputs,
            dsp_available=False,
        )
        product = self.w_bits + self.a_bits
        tree = self.pe * rm.adder_tree(1, self.simd, product, in_dsp=False)
        shift_adds = self.pe * 2 * rm.adder(ACC_BITS)
        align = self.pe * rm.adder(ACC_BITS)  # activation-group shift alignment (a mux + add)
        width = max(int(self.port_bytes * 8), 8)
        depth = max(math.ceil(self.buffer_bytes * 8 / width), 1)
        buffer = memory_estimate(ctx, width, depth, "auto")
        ii = max(self.compute_cycles, self.stream_cycles)
        adds = self.macs / self.simd * 3
        onchip = self.weight_bytes * 2 + self.cols * self.batch * self.a_bits / 8
        est = (
            Estimates(
                lut=mult.lut + tree + shift_adds + align,
                macs=self.macs,
                onchip_bytes=onchip,
                offchip_bytes=self.weight_bytes,
                energy_j=self.macs * ctx.energy.mac_j(self.w_bits, self.a_bits, "lut")
                + adds * ctx.energy.add_j(ACC_BITS)
                + onchip * ctx.energy.onchip_byte_j("uram")
                + self.weight_bytes * ctx.energy.offchip_byte_j(),
            )
            + buffer
            + control(ctx)
        )
        return with_registers(est).with_(cycles=ii + self.depth, ii=ii)
