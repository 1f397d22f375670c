"""N:M structured-sparse matrix-vector unit (`ff_sparse_mvau`, HLS `sparse_dense.h`).

Weights keep at most `n` non-zeros in every group of `m` consecutive weights along the
reduction axis (2:4, 2:8, 1:8, ...), stored compressed as values + ceil(log2 m)-bit
indices (`numerics.nm.compress`). The unit reads the input stream of the dense MVAU:
`simd` activations per beat, `simd` a multiple of `m`, so a beat holds simd/m whole groups;
each of the `pe` output lanes has nz = simd·n/m multipliers, and multiplier j takes the
activation its stored index selects inside group j/n of the beat (an m:1 select).

Geometry: `mh × mw` dense-equivalent matrix, `vectors`, widths. Folding: `pe` outputs,
`simd` input lanes (pe | mh, m | simd | mw).

Cost model
- timing: that of `ff_mvau` with the same PE and SIMD (double-buffered input, one fold
  step per cycle): interval (mh/pe)·(mw/simd)·vectors; at equal multipliers the N:M unit
  reads m/n times wider input beats and finishes m/n times sooner
- multipliers: pe·nz products, never packed two per DSP (the products of different lanes
  select different activations, so no two share an operand)
- LUTs and FFs: the structure of `ff_sparse_mvau` (`terms.py`): the m:1 activation
  selects, accumulator adds, requant lanes, counters, input double buffer, tables
- memory: width pe·nz·(weight_bits + index_bits), depth (mh/pe)·(mw/simd): values and
  indices of the compressed rows, n/m of the dense values plus the indices
- MACs counted are the effective (stored) ones: mh·mw·n/m·vectors
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import (
    CostContext,
    Epilogue,
    Template,
    fold_pairs,
    mac_datapath,
    memory_estimate,
)
from fpgaforge.units.mvau.cost import OUTPUT_REGISTER, onchip_traffic


@dataclass(frozen=True)
class SparseGemm(Template):
    """Streaming N:M sparse matrix-vector unit: y[vectors, mh] = W[mh, mw] · x[vectors, mw]."""

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
    simd: int = 0  # input lanes; 0: m (one group per beat)
    weight_mem: str = "auto"

    def __post_init__(self) -> None:
        if not self.simd:
            object.__setattr__(self, "simd", self.m)

    @property
    def nz(self) -> int:
        """Multipliers per output lane: simd·n/m."""
        return self.simd // self.m * self.n

    @property
    def compressed_mw(self) -> int:
        """Stored values per output row: mw·n/m."""
        return self.mw // self.m * self.n

    @property
    def index_bits(self) -> int:
        return max(1, math.ceil(math.log2(self.m)))

    @property
    def macs(self) -> int:
        return self.mh * self.compressed_mw * self.vectors

    @property
    def fold_cycles(self) -> int:
        return (self.mh // self.pe) * (self.mw // self.simd) * self.vectors

    def options(self) -> list[dict]:
        # SIMD in whole groups: fold over the groups, then scale to input lanes
        pairs = fold_pairs(self.mh, max(1, self.mw // self.m))
        return [
            {"pe": o["pe"], "simd": o["simd"] * self.m, "weight_mem": self.weight_mem}
            for o in pairs
        ]

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.simd, self.pe

    def burst_beats(self) -> int:
        if self.mw != self.simd or self.epilogue.activation in ("lut", "clip"):
            return 0
        return self.mh // self.pe

    def memories(self) -> list[tuple[str, int, int]]:
        width = self.pe * self.nz * (self.weight_bits + self.index_bits)
        depth = (self.mh // self.pe) * (self.mw // self.simd)
        return [("weight_mem", width, depth)]

    def unit_params(self, ctx: CostContext) -> dict[str, Any]:
        """The parameters of the `ff_sparse_mvau` the RTL generator instantiates."""
        return {
            "MH": self.mh,
            "MW": self.mw,
            "PE": self.pe,
            "SIMD": self.simd,
            "N": self.n,
            "M": self.m,
            "IN_W": self.act_bits,
            "WT_W": self.weight_bits,
            "ACC_W": self.acc_bits + 1,
            "OUT_W": self.out_bits,
            "RQ_EN": int(self.epilogue.requant),
            "MULT_W": self.epilogue.mult_bits,
            "RQ_SHIFT_ONLY": int(self.epilogue.power_of_two),
            "LUT_INPUTS": ctx.board.lut_inputs,
            "NO_DSP": int(ctx.board.capacity["dsp"] == 0),
        }

    def multipliers(self, ctx: CostContext) -> int:
        """DSPs of the pe·nz products, one product per DSP slice group (no packing)."""
        mac = mac_datapath(ctx, 1, self.pe * self.nz, self.weight_bits, self.act_bits, 32)
        if mac.dsp == 0:
            return 0
        kind = ctx.board.dsp_kind
        return self.pe * self.nz * rm.dsps_per_product(self.weight_bits, self.act_bits, kind)

    def compute(self, ctx: CostContext) -> Estimates:
        """DSPs, LUTs and FFs of `ff_sparse_mvau` and its epilogue (no weight memory)."""
        mac = mac_datapath(
            ctx, self.pe, self.nz, self.weight_bits, self.act_bits, self.acc_bits, mult_rows=1
        )
        outputs = self.mh * self.vectors
        epilogue = self.epilogue.estimate(ctx, self.pe, self.acc_bits, self.out_bits, outputs)
        lut, ff = rm.rtl_unit("ff_sparse_mvau", self.unit_params(ctx))
        return Estimates(
            dsp=self.multipliers(ctx) + epilogue.dsp,
            lut=lut,
            ff=ff,
            macs=self.macs,
            energy_j=self.macs * mac.mac_j + epilogue.energy_j,
        )

    def estimate(self, ctx: CostContext) -> Estimates:
        _, width, depth = self.memories()[0]
        weights = memory_estimate(ctx, width, depth, self.weight_mem)
        weight_bytes = width * depth / 8
        io_bytes = self.vectors * (self.mw * self.act_bits + self.mh * self.out_bits) / 8
        # every stored word once per vector
        traffic = onchip_traffic(ctx, weights, weight_bytes * self.vectors, io_bytes)
        return (self.compute(ctx) + weights + traffic).with_(**self.timing())

    def timing(self) -> dict[str, int]:
        """Cycles, interval, fill and drain of `ff_sparse_mvau` (those of `ff_mvau`)."""
        sf, nf = self.mw // self.simd, self.mh // self.pe
        return {
            "cycles": sf + self.fold_cycles + OUTPUT_REGISTER,
            "ii": self.fold_cycles,
            "fill": 2 * sf,
            "drain": nf * sf + OUTPUT_REGISTER,
        }
