"""W4A4 group-quantized matrix-vector unit `ff_pot_gemv` (LightMamba's matrix unit; cost
model of the RTL).

y[r] = Σ_g (2^s1[r,g] + 2^s2[r,g]) · Σ_{k in g} q[r,k] · (a[k] << sa[k/8]): 4-bit weight
codes q in groups of `w_group` input channels, each group scaled by two power-of-two shifts;
activations 4-bit codes with a power-of-two shift per 8 channels (the activation quantizer's
output, computed upstream); the row sum shifted to frac_out (rounded half up, saturated).

Geometry: `rows` × `cols` weights, `batch` activation vectors sharing each weight.
Folding: `lanes` 4×4 products per cycle, arranged as `lanes / simd` output rows
(PE) × `simd` input channels (simd | w_group); `port_bytes` weight bytes per cycle that
the off-chip stream delivers; `buffer_bytes` of on-chip weight buffer (double-buffered
tiles: one being computed, one being filled).

The RTL (fpgaforge/rtl/verilog/ff_pot_gemv.v) takes one weight beat of PE × SIMD codes a
cycle (and one beat of PE shift pairs per weight group), the activation vector with the first
row block (kept in a LUT RAM for the others); the shape is set at run time, so one engine
serves in_proj and out_proj. It runs batch 1: `batch` > 1 is this model's projection of a
tile buffer that reuses each streamed weight for `batch` vectors (not in the RTL).

Cost model
- compute cycles = ceil(rows · cols · batch / lanes)
- stream cycles = weight bytes / port_bytes; weight bytes = rows·cols·w_bits/8 codes +
  rows·(cols/w_group)·2·shift_bits/8 scale shifts (`beat_bytes`: what the RTL takes a
  cycle at full rate)
- cycles = max(compute, stream) + 5 (the RTL's pipeline: input register, products and
  shifted chunk sums, group accumulator, row accumulator, output register)
- LUTs and FFs: the structure of ff_pot_gemv (`terms.py`): LUT multipliers 4×4, chunk
  adders, activation-shift barrel shifters, group and row accumulators with the two-shift
  scale, the requantizing shifter, the activation LUT RAM; no DSP
- buffer: 2 tiles in URAM/BRAM, width = the stream's bits per cycle (the weight FIFO in
  front of the unit; not part of ff_pot_gemv)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template, memory_estimate

ACC_BITS = 32
PIPELINE = 5
A_GROUP = 8


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
    def beat_bytes(self) -> float:
        """Weight bytes ff_pot_gemv takes a cycle at full rate (codes and amortized shifts)."""
        return self.pe * self.simd * self.w_bits / 8 + self.pe * 2 * self.shift_bits / 8 * (
            self.simd / self.w_group
        )

    @property
    def stream_cycles(self) -> float:
        if not self.port_bytes:
            return math.inf
        cycles = self.weight_bytes / self.port_bytes
        return float(round(cycles)) if abs(cycles - round(cycles)) < 1e-9 else cycles

    @property
    def depth(self) -> int:
        """Pipeline registers of ff_pot_gemv from a weight beat to its row's output."""
        return PIPELINE

    def rtl_params(self) -> dict[str, int]:
        """ff_pot_gemv's parameters for this folding (the activation buffer holds `cols`)."""
        return {
            "PE": self.pe,
            "SIMD": self.simd,
            "AG": min(A_GROUP, self.simd),
            "XDEPTH": max(math.ceil(self.cols / self.simd), 1),
        }

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
        unit = self.unit_estimate()
        width = max(int(self.port_bytes * 8), 8)
        depth = max(math.ceil(self.buffer_bytes * 8 / width), 1)
        buffer = memory_estimate(ctx, width, depth, "auto")
        ii = max(self.compute_cycles, self.stream_cycles)
        adds = self.macs / self.simd * 3
        onchip = self.weight_bytes * 2 + self.cols * self.batch * self.a_bits / 8
        est = (
            Estimates(
                lut=unit.lut,
                ff=unit.ff,
                macs=self.macs,
                onchip_bytes=onchip,
                offchip_bytes=self.weight_bytes,
                energy_j=self.macs * ctx.energy.mac_j(self.w_bits, self.a_bits, "lut")
                + adds * ctx.energy.add_j(ACC_BITS)
                + onchip * ctx.energy.onchip_byte_j("uram")
                + self.weight_bytes * ctx.energy.offchip_byte_j(),
            )
            + buffer
        )
        return est.with_(cycles=ii + self.depth, ii=ii)

    def unit_estimate(self) -> Estimates:
        """LUTs and FFs of ff_pot_gemv itself (no DSP, no block RAM; without the tile buffer)."""
        lut, ff = rm.rtl_unit("ff_pot_gemv", self.rtl_params())
        return Estimates(lut=lut, ff=ff)
