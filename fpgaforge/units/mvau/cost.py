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
- DSPs: pe · simd products of weight_bits × act_bits (`resource_model.mac_array`:
  two INT8 products sharing an activation per DSP48E2, which `ff_mvau` builds with
  DSP_PACK (`dsp_pack`: wherever the model packs two products per DSP); LUT multipliers
  for ≤ 4-bit operands) + one requant multiplier per lane
- LUTs and FFs: the structure of `ff_mvau` (`resource_model.rtl_unit_terms`): accumulator
  adds (pe·simd·acc bits), one ff_requant per lane, packed-pair correction adders, fold
  counters, the input double buffer (LUT RAM), per-channel bias / requant tables;
  registers: accumulators, output, counters, table read registers
- weight memory: width pe·simd·weight_bits, depth (mh/pe)·(mw/simd), placed in
  LUT RAM / BRAM / URAM (`weight_mem`); `weights_onchip=False` (a MatMul whose
  second operand is an activation) buffers that operand instead, same size
- energy: macs × MAC energy + weight bits read once per vector + activations
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
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

    def stream_lanes(self) -> tuple[int, int] | None:
        return self.simd, self.pe

    def burst_beats(self) -> int:
        if self.mw != self.simd or self.epilogue.activation in ("lut", "clip"):
            return 0
        return self.mh // self.pe

    def memories(self) -> list[tuple[str, int, int]]:
        width = self.pe * self.simd * self.weight_bits
        depth = (self.mh // self.pe) * (self.mw // self.simd)
        return [("weight_mem", width, depth)]

    def unit_params(self, ctx: CostContext) -> dict[str, Any]:
        """The parameters of the `ff_mvau` the RTL generator instantiates for this stage."""
        return {
            "MH": self.mh,
            "MW": self.mw,
            "PE": self.pe,
            "SIMD": self.simd,
            "IN_W": self.act_bits,
            "WT_W": self.weight_bits,
            "ACC_W": self.acc_bits + 1,
            "OUT_W": self.out_bits,
            "RQ_EN": int(self.epilogue.requant),
            "MULT_W": self.epilogue.mult_bits,
            "RQ_SHIFT_ONLY": int(self.epilogue.power_of_two),
            "DSP_PACK": dsp_pack(ctx.board, self.pe, self.simd, self.weight_bits, self.act_bits),
            "SHIFT_ADD": int(self.shift_add),
            "K_HOT": self.k_hot,
            "LUT_INPUTS": ctx.board.lut_inputs,
            "NO_DSP": int(ctx.board.capacity["dsp"] == 0),
        }

    def compute(self, ctx: CostContext) -> Estimates:
        """DSPs, LUTs and FFs of the `ff_mvau` unit and its epilogue (no weight memory)."""
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
        outputs = self.mh * self.vectors
        epilogue = self.epilogue.estimate(ctx, self.pe, self.acc_bits, self.out_bits, outputs)
        # activations other than ReLU are a table unit after the MAC array
        table = Estimates()
        if self.epilogue.activation in ("lut", "clip"):
            only = replace(self.epilogue, bias=False, requant=False)
            table = only.estimate(ctx, self.pe, self.acc_bits, self.out_bits, outputs)
        lut, ff = rm.rtl_unit("ff_mvau", self.unit_params(ctx))
        return table.with_(energy_j=0.0) + Estimates(
            dsp=mac.dsp + epilogue.dsp,
            lut=lut,
            ff=ff,
            macs=self.macs,
            energy_j=self.macs * mac.mac_j + epilogue.energy_j,
        )

    def estimate(self, ctx: CostContext) -> Estimates:
        _, width, depth = self.memories()[0]
        weights = memory_estimate(ctx, width, depth, self.weight_mem)
        weight_bytes = self.mh * self.mw * self.weight_bits / 8
        io_bytes = self.vectors * (self.mw * self.act_bits + self.mh * self.out_bits) / 8
        # every weight is read once per input vector
        traffic = onchip_traffic(ctx, weights, weight_bytes * self.vectors, io_bytes)
        est = self.compute(ctx) + weights + traffic
        return est.with_(**self.timing())

    def timing(self) -> dict[str, int]:
        """Cycles, interval, fill and drain of `ff_mvau` (see the module docstring)."""
        sf, nf = self.mw // self.simd, self.mh // self.pe
        return {
            "cycles": sf + self.fold_cycles + OUTPUT_REGISTER,
            "ii": self.fold_cycles,
            "fill": 2 * sf,
            "drain": nf * sf + OUTPUT_REGISTER,
        }


def dsp_pack(board: Any, pe: int, simd: int, weight_bits: int, act_bits: int) -> int:
    """ff_mvau's DSP_PACK on `board` (a name, board or view): 1 when `resource_model.mac_array`
    charges the `pe x simd` products two per DSP (a packing rule of the board's DSP kind) and
    PE >= 2 (the unit packs pairs of PE lanes), else 0. The one definition: the cost model's
    unit parameters and the RTL builder both use it, so the RTL builds what the model counts."""
    from fpgaforge.units.cost.hardware import view

    b = view(board)
    mult = rm.mac_array(
        pe,
        simd,
        weight_bits,
        act_bits,
        b.dsp_kind,
        lut_inputs=b.lut_inputs,
        dsp_available=b.capacity["dsp"] > 0,
    )
    return int(pe >= 2 and mult.style == "dsp-packed" and mult.per_dsp == 2)


def accumulator_bits(weight_bits: int, act_bits: int, terms: int) -> int:
    """Accumulator width that cannot overflow: wb + ab + ceil(log2(terms))."""
    return weight_bits + act_bits + (math.ceil(math.log2(terms)) if terms > 1 else 0)


def onchip_traffic(
    ctx: CostContext, weights: Estimates, read_bytes: float, io_bytes: float
) -> Estimates:
    """On-chip bytes and energy of a MAC array: `read_bytes` from its weight memory (LUT RAM,
    URAM or BRAM, as `weights` was placed) and `io_bytes` of streamed activations."""
    kind = "lutram" if weights.lutram_bits else ("uram" if weights.uram else "bram")
    return Estimates(
        onchip_bytes=read_bytes + io_bytes,
        energy_j=read_bytes * ctx.energy.onchip_byte_j(kind)
        + io_bytes * ctx.energy.onchip_byte_j("lutram"),
    )
