"""N:M structured-sparse matrix-vector unit (future kernel; analytic cost model).

Weights keep `n` non-zeros in every group of `m` along the reduction axis (2:4,
1:4, ...), stored as values + log2(m)-bit indices. Each of the `simd` lanes
multiplies a stored non-zero by the activation its index selects from its group.

Geometry: `mh × mw` dense-equivalent matrix, `vectors`, widths. Folding: `pe`
outputs, `simd` non-zero lanes (pe | mh, simd | mw·n/m).

Cost model
- cycles = (mh/pe) · (mw·n/m / simd) · vectors        (MVAU over the compressed width)
- multipliers: pe·simd products (as the MVAU)
- activation select: pe·simd m:1 multiplexers of act_bits: (m−1)·mux2 LUTs per bit;
  the activation window (simd·m/n values) is shared across the pe rows
- memory: values mh·mw·n/m·weight_bits + indices mh·mw·n/m·ceil(log2 m) bits,
  width pe·simd·(weight_bits + index_bits)
- MACs counted are the effective (non-zero) ones: mh·mw·n/m·vectors
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Epilogue,
    Template,
    control,
    fold_pairs,
    mac_datapath,
    memory_estimate,
    with_registers,
)
from fpgaforge.units.mvau.cost import PIPELINE_DEPTH


@dataclass(frozen=True)
class SparseGemm(Template):
    """Streaming N:M sparse matrix-vector unit."""

    kind = "sparse_gemm"
    FOLDING = ("pe", "simd", "weight_mem")

    mh: int
    mw: int
    vectors: int
    n: int
    m: int
    weight_bits: int
    act_bits: int
    acc_bits: int
    out_bits: int
    epilogue: Epilogue = field(default_factory=Epilogue)
    pe: int = 1
    simd: int = 1
    weight_mem: str = "auto"

    @property
    def compressed_mw(self) -> int:
        """Stored non-zeros per output row: mw·n/m."""
        return self.mw * self.n // self.m

    @property
    def index_bits(self) -> int:
        return max(1, math.ceil(math.log2(self.m)))

    @property
    def macs(self) -> int:
        return self.mh * self.compressed_mw * self.vectors

    @property
    def fold_cycles(self) -> int:
        return (self.mh // self.pe) * (self.compressed_mw // self.simd) * self.vectors

    def options(self) -> list[dict]:
        return [
            dict(o, weight_mem=self.weight_mem) for o in fold_pairs(self.mh, self.compressed_mw)
        ]

    def memories(self) -> list[tuple[str, int, int]]:
        width = self.pe * self.simd * (self.weight_bits + self.index_bits)
        depth = (self.mh // self.pe) * (self.compressed_mw // self.simd)
        return [("weight_mem", width, depth)]

    def estimate(self, ctx: CostContext) -> Estimates:
        mac = mac_datapath(ctx, self.pe, self.simd, self.weight_bits, self.act_bits, self.acc_bits)
        select = self.pe * self.simd * (self.m - 1) * rm.coef("lut", "mux2_per_bit") * self.act_bits
        _, width, depth = self.memories()[0]
        memory = memory_estimate(ctx, width, depth, self.weight_mem)
        reads = (
            self.mh * self.compressed_mw * (self.weight_bits + self.index_bits) / 8 * self.vectors
        )
        est = (
            Estimates(
                dsp=mac.dsp,
                lut=mac.lut + select,
                macs=self.macs,
                onchip_bytes=reads,
                energy_j=self.macs * mac.mac_j + reads * ctx.energy.onchip_byte_j("bram"),
            )
            + memory
            + control(ctx)
            + self.epilogue.estimate(
                ctx, self.pe, self.acc_bits, self.out_bits, self.mh * self.vectors
            )
        )
        return with_registers(est).with_(
            cycles=self.fold_cycles + PIPELINE_DEPTH, ii=self.fold_cycles
        )
