"""Hadamard transform unit `ff_hadamard` (cost model of the RTL), power-of-two sizes.

Used by rotation-based quantization (LightMamba, QuaRot): y = H_n · x on integer codes
(unnormalized; 1/sqrt(n) is folded into the next layer's scale). The RTL
(fpgaforge/rtl/verilog/ff_hadamard.v) holds one vector in a register array; n = K · 2^k
with K = 1 here (`MixedHadamard` for the others, same module and formulas).

Geometry: transform size `n`, `vectors` per inference, input width `bits`. Folding:
`lanes` butterflies a cycle (2·lanes values a beat in; lanes | 2^k / 2) and `out_lanes`
outputs a beat (out_lanes | 2^k; 0: 2·lanes).

Cost model (exact cycles of the RTL)
- per vector: load n / (2·lanes) + k stages · n / (2·lanes) + output n / out_lanes cycles;
  cycles = vectors · that + 1 (the output register)
- LUTs and FFs: the structure of ff_hadamard (`terms.py`): X (n words of bits + k +
  clog2 K), S/D (2^k words), 2·lanes butterfly adders, the shift/rotate selects of X, the
  K x K add tree of the output lanes and the sign ROM; no DSP, no block RAM
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fpgaforge.numerics.hadamard import decompose
from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template, divisors


def _pow2_at_most(value: int, limit: int) -> int:
    """The largest power of two <= min(value, limit) (at least 1)."""
    top = max(1, min(int(value), int(limit)))
    return 1 << (top.bit_length() - 1)


def rtl_params(n: int, bits: int, lanes: int, out_lanes: int) -> dict[str, int]:
    """ff_hadamard's parameters for size n (lanes and out_lanes fitted to the block size)."""
    parts = decompose(n)
    if parts is None:
        raise ValueError(f"no Hadamard construction for size {n}")
    k_size, pow2 = parts
    if pow2 < 2:
        raise ValueError(f"Hadamard size {n} has no power-of-two factor to butterfly")
    lanes = _pow2_at_most(lanes, pow2 // 2)
    out_lanes = _pow2_at_most(out_lanes or 2 * lanes, pow2)
    return {"N": n, "K": k_size, "LANES": lanes, "KL": out_lanes, "IN_W": bits}


def vector_cycles(p: dict[str, int]) -> int:
    """Cycles ff_hadamard spends on one vector: load, the butterfly stages, the output."""
    n, pow2 = p["N"], p["N"] // p["K"]
    stages = int(math.log2(pow2))
    return (stages + 1) * n // (2 * p["LANES"]) + n // p["KL"]


def estimate_rtl(ctx: CostContext, p: dict[str, int], vectors: int) -> Estimates:
    """Estimates of one ff_hadamard with parameters `p` on `vectors` vectors."""
    lut, ff = rm.rtl_unit("ff_hadamard", p)
    n, k_size = p["N"], p["K"]
    stages = int(math.log2(n // k_size))
    width = p["IN_W"] + stages + (math.ceil(math.log2(k_size)) if k_size > 1 else 0)
    adds = vectors * n * (stages + k_size - (1 if k_size == 1 else 0))
    held = n * width / 8
    ii = vectors * vector_cycles(p)
    return Estimates(
        lut=lut,
        ff=ff,
        onchip_bytes=held,
        energy_j=adds * ctx.energy.add_j(width),
    ).with_(cycles=ii + 1, ii=ii)


@dataclass(frozen=True)
class Hadamard(Template):
    """Fast Walsh-Hadamard transform of power-of-two size (ff_hadamard with K = 1)."""

    kind = "hadamard"
    FOLDING = ("lanes", "out_lanes")

    n: int
    vectors: int
    bits: int
    lanes: int = 1
    out_lanes: int = 0

    @property
    def stages(self) -> int:
        return max(1, int(math.log2(self.n)))

    def options(self) -> list[dict]:
        return [{"lanes": p} for p in divisors(max(self.n // 2, 1)) if p & (p - 1) == 0]

    def estimate(self, ctx: CostContext) -> Estimates:
        if self.n < 2 or self.n & (self.n - 1):
            raise ValueError(f"Hadamard size {self.n} is not a power of two")
        p = rtl_params(self.n, self.bits, self.lanes, self.out_lanes)
        return estimate_rtl(ctx, p, self.vectors)
