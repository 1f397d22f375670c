"""Matrix-vector activation unit (FINN MVAU): the streaming dense / matmul engine.

Geometry: an `mh × mw` weight matrix (outputs × inputs) applied to `vectors`
input vectors per inference. Folding: `pe` output rows and `simd` input lanes
computed per cycle (pe | mh, simd | mw).

Cost model
- interval = (mh/pe) · (mw/simd) · vectors          (FINN MVAU)
- timing of `ff_mvau` (input double buffer, one fold step per cycle, result
  registered): with SF = mw/simd, NF = mh/pe, a vector loads in SF beats and is
  computed in NF·SF cycles once complete; its first output leaves 2·SF cycles
  after its first input (fill), its last output NF·SF + 1 cycles after its last
  input (drain), and at full input rate the latency is SF + vectors·NF·SF + 1
- multipliers: pe · simd products of weight_bits × act_bits
  (`resource_model.mac_array`: DSP packing per DSP kind, LUT multipliers for
  ≤ 4-bit operands, K adders per product for shift-add layers)
- adder trees + accumulators: `resource_model.adder_tree`
- weight memory: width pe·simd·weight_bits, depth (mh/pe)·(mw/simd), placed in
  LUT RAM / BRAM / URAM (`weight_mem`); `weights_onchip=False` (a MatMul whose
  second operand is an activation) buffers that operand instead, same size
- energy: macs × MAC energy + weight bits read once per vector + activations
"""

from __future__ import annotations

import math
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

PIPELINE_DEPTH = 5
"""Pipeline depth assumed by templates without an RTL module yet (depthwise)."""
OUTPUT_REGISTER = 1
"""Cycles from a fold's last step to its result on the output stream (`m_data` register)."""


@dataclass(frozen=True)
class MVAU(Template):
    """Streaming matrix-vector unit: y[vectors, mh] = W[mh, mw] · x[vectors, mw]."""

    kind = "mvau"
    FOLDING = ("pe", "simd", "weight_mem")

    mh: int
    mw: int
    vectors: int
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
    def macs(self) -> int:
        return self.mh * self.mw * self.vectors

    @property
    def fold_cycles(self) -> int:
        """(mh/pe)·(mw/simd)·vectors: the FINN MVAU cycle count."""
        return (self.mh // self.pe) * (self.mw // self.simd) * self.vectors

    def options(self) -> list[dict]:
        return [dict(o, weight_mem=self.weight_mem) for o in fold_pairs(self.mh, self.mw)]

    def memories(self) -> list[tuple[str, int, int]]:
        width = self.pe * self.simd * self.weight_bits
        depth = (self.mh // self.pe) * (self.mw // self.simd)
        return [("weight_mem", width, depth)]

    def compute(self, ctx: CostContext) -> Estimates:
        """The MAC array, adder trees and epilogue (no memories, no control)."""
        mac = mac_datapath(
            ctx,
            self.pe,
            self.simd,
            self.weight_bits,
            self.act_bits,
            self.acc_bits,
            shift_add=self.shift_add,
            k_hot=self.k_hot,
        )
        est = Estimates(dsp=mac.dsp, lut=mac.lut, macs=self.macs, energy_j=self.macs * mac.mac_j)
        return est + self.epilogue.estimate(
            ctx, self.pe, self.acc_bits, self.out_bits, self.mh * self.vectors
        )

    def estimate(self, ctx: CostContext) -> Estimates:
        _, width, depth = self.memories()[0]
        weights = memory_estimate(ctx, width, depth, self.weight_mem)
        weight_bytes = self.mh * self.mw * self.weight_bits / 8
        io_bytes = self.vectors * (self.mw * self.act_bits + self.mh * self.out_bits) / 8
        # every weight is read once per input vector
        read_bytes = weight_bytes * self.vectors
        kind = "lutram" if weights.lutram_bits else ("uram" if weights.uram else "bram")
        traffic = Estimates(
            onchip_bytes=read_bytes + io_bytes,
            energy_j=read_bytes * ctx.energy.onchip_byte_j(kind)
            + io_bytes * ctx.energy.onchip_byte_j("lutram"),
        )
        est = self.compute(ctx) + weights + control(ctx) + traffic
        return with_registers(est).with_(**self.timing())

    def timing(self) -> dict[str, int]:
        """Cycles, interval, fill and drain of `ff_mvau` (see the module docstring)."""
        sf, nf = self.mw // self.simd, self.mh // self.pe
        return {
            "cycles": sf + self.fold_cycles + OUTPUT_REGISTER,
            "ii": self.fold_cycles,
            "fill": 2 * sf,
            "drain": nf * sf + OUTPUT_REGISTER,
        }


def accumulator_bits(weight_bits: int, act_bits: int, terms: int) -> int:
    """Accumulator width that cannot overflow: wb + ab + ceil(log2(terms))."""
    return weight_bits + act_bits + (math.ceil(math.log2(terms)) if terms > 1 else 0)
