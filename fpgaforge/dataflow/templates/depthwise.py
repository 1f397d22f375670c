"""Streaming depthwise convolution: sliding window + vector-vector unit (FINN VVAU).

Geometry: `channels` (each with `multiplier` filters), kernel `kh × kw`,
input `in_h × in_w`, output `out_h × out_w`. Folding: `pe` channels and `simd`
kernel taps per cycle (pe | channels·multiplier, simd | kh·kw).

Cost model
- cycles = (channels·multiplier/pe) · (kh·kw/simd) · out_h·out_w·batch     (FINN VVAU)
- window generator: in_h·in_w·channels/pe cycles; line buffer ((kh−1)·in_w + kw)·channels
  activations; interval = max of the two
- pe · simd multipliers (no operand sharing across PEs: each channel has its own input,
  so DSP packing along PE does not apply: `mac_array` is called with pe = 1 per lane)
- weights: channels·multiplier·kh·kw·weight_bits bits, width pe·simd·weight_bits
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fpgaforge.dataflow.estimates import Estimates
from fpgaforge.dataflow.templates.base import (
    CostContext,
    Epilogue,
    Template,
    control,
    fold_pairs,
    mac_datapath,
    memory_estimate,
    with_registers,
)
from fpgaforge.dataflow.templates.mvau import PIPELINE_DEPTH


@dataclass(frozen=True)
class DepthwiseVVAU(Template):
    """Streaming depthwise convolution."""

    kind = "depthwise"
    FOLDING = ("pe", "simd", "weight_mem")

    channels: int
    multiplier: int
    in_h: int
    in_w: int
    kh: int
    kw: int
    out_h: int
    out_w: int
    batch: int
    weight_bits: int
    act_bits: int
    acc_bits: int
    out_bits: int
    shift_add: bool = False
    k_hot: int = 2
    epilogue: Epilogue = field(default_factory=Epilogue)
    pe: int = 1
    simd: int = 1
    weight_mem: str = "auto"

    @property
    def outputs(self) -> int:
        return self.channels * self.multiplier

    @property
    def macs(self) -> int:
        return self.outputs * self.kh * self.kw * self.out_h * self.out_w * self.batch

    @property
    def fold_cycles(self) -> int:
        return (
            (self.outputs // self.pe)
            * (self.kh * self.kw // self.simd)
            * self.out_h
            * self.out_w
            * self.batch
        )

    @property
    def swu_cycles(self) -> int:
        return self.batch * self.in_h * self.in_w * -(-self.channels // min(self.pe, self.channels))

    def options(self) -> list[dict]:
        return [
            dict(o, weight_mem=self.weight_mem) for o in fold_pairs(self.outputs, self.kh * self.kw)
        ]

    def memories(self) -> list[tuple[str, int, int]]:
        width = self.pe * self.simd * self.weight_bits
        depth = (self.outputs // self.pe) * (self.kh * self.kw // self.simd)
        return [("weight_mem", width, depth)]

    def estimate(self, ctx: CostContext) -> Estimates:
        mac = mac_datapath(
            ctx,
            self.pe,
            self.simd,
            self.weight_bits,
            self.act_bits,
            self.acc_bits,
            mult_rows=1,
            shift_add=self.shift_add,
            k_hot=self.k_hot,
        )
        _, width, depth = self.memories()[0]
        weights = memory_estimate(ctx, width, depth, self.weight_mem)
        lanes = min(self.pe, self.channels)
        line_depth = -(-((self.kh - 1) * self.in_w + self.kw) * self.channels // lanes)
        line = memory_estimate(ctx, lanes * self.act_bits, line_depth, "auto")
        out_count = self.outputs * self.out_h * self.out_w * self.batch
        weight_reads = (
            self.outputs
            * self.kh
            * self.kw
            * self.weight_bits
            / 8
            * self.out_h
            * self.out_w
            * self.batch
        )
        est = (
            Estimates(
                dsp=mac.mult_dsp * self.pe,
                lut=mac.mult_lut * self.pe + mac.tree_lut,
                macs=self.macs,
                onchip_bytes=weight_reads,
                energy_j=self.macs * mac.mac_j + weight_reads * ctx.energy.onchip_byte_j("bram"),
            )
            + weights
            + line
            + control(ctx)
            + self.epilogue.estimate(ctx, self.pe, self.acc_bits, self.out_bits, out_count)
        )
        ii = max(self.fold_cycles, self.swu_cycles)
        fill = line_depth
        return with_registers(est).with_(cycles=ii + fill + PIPELINE_DEPTH, ii=ii)
