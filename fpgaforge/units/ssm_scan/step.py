"""Mamba-2 SSM decode-step unit (LightMamba's SSM unit): the cost model of `ff_ssm_step`.

Per token, head h (B/C group g = h // (heads / groups)), channel p and state element s, on
codes (fpgaforge.ir.ops.intssm.ssm_step_codes):
  dt' = pot(softplus(dt[h] + bias[h]))      (table, per head; power of two over `group` heads)
  dA  = exp(dt' · A[h])                     (table, per head)
  h[h,p,s] = pot(dA · h[h,p,s] + dt' · x[h,p] · B[g,s])   (state requantized per `group` states)
  y[h,p] = Σ_s h[h,p,s] · C[g,s] + D[h] · x[h,p]

Geometry: `heads`, `headdim`, `d_state`, `groups` (B/C groups), `batch`; `bits` operands,
state kept in `state_bits` codes plus one 4-bit shift per `group` states. Folding: `lanes`
(p, s) pairs updated per cycle (a multiple of `group` dividing headdim·d_state; lanes and
d_state divide one another); `state_place` "onchip" (the unit's own memory, updated in
place), "store" (a state store outside the unit, shared by the layers) or "stream" (read
and written back off chip each token, overlapped with the update).

Cycles (the RTL's, measured equal in tests/rtl/modules/test_ssm_step.py), per sequence:
- header: per `group` heads one dt beat, `group` softplus lookups, the group's
  quantization and `group` exp lookups: 2·group + 4 cycles; B and C one beat (`group`
  codes) a cycle: 2·groups·d_state/group
- per head: headdim/group x beats, then headdim·d_state/lanes issue cycles
- the five-stage update pipeline drains once (PIPELINE); one more cycle returns to the
  header, so sequences follow each other every `cycles + 1`
Resources: `terms.py` (ff_ssm_step's structure, LUT coefficients fitted with yosys in
bench/mamba_units_resources.py); multipliers and memories are counted as yosys maps them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template

PRODUCTS_PER_PAIR = 3
PIPELINE = 5
TABLES = ("softplus", "exp")


@dataclass(frozen=True)
class SSMStep(Template):
    """One decode step of a Mamba-2 selective state space layer (`ff_ssm_step`)."""

    kind = "ssm_step"
    FOLDING = ("lanes", "state_place")

    heads: int
    headdim: int
    d_state: int
    batch: int = 1
    bits: int = 8
    state_bits: int = 8
    table_bits: int = 12
    lanes: int = 128
    state_place: str = "onchip"
    groups: int = 1
    group: int = 8
    in_bits: int = 32
    y_bits: int = 32
    sp_bits: int = 14
    e_bits: int = 9
    e_depth: int = 4097
    da_frac: int = 7
    dbx_shift: int = 21

    @classmethod
    def of_params(cls, p: dict[str, Any], batch: int = 1) -> SSMStep:
        """The model of an `ff_ssm_step` with Verilog parameters `p` (units/ssm_scan/rtl.py)."""
        return cls(
            heads=int(p["HEADS"]), headdim=int(p["HEADDIM"]), d_state=int(p["D_STATE"]),
            batch=batch, bits=int(p["BITS"]), state_bits=int(p["SB"]),
            table_bits=max(1, math.ceil(math.log2(int(p["SP_DEPTH"])))), lanes=int(p["LANES"]),
            groups=int(p["GROUPS_BC"]), group=int(p["GROUP"]), in_bits=int(p["IN_W"]),
            y_bits=int(p["Y_W"]), sp_bits=int(p["SP_W"]), e_bits=int(p["E_W"]),
            e_depth=int(p["E_DEPTH"]), da_frac=int(p["DA_F"]), dbx_shift=int(p["DBX_K"]),
        )  # fmt: skip

    def params(self) -> dict[str, int]:
        """The geometry and width parameters of the `ff_ssm_step` this model describes."""
        return {
            "HEADS": self.heads, "HEADDIM": self.headdim, "D_STATE": self.d_state,
            "GROUPS_BC": self.groups, "LANES": self.lanes, "GROUP": self.group,
            "IN_W": self.in_bits, "BITS": self.bits, "SB": self.state_bits, "Y_W": self.y_bits,
            "SP_W": self.sp_bits, "SP_DEPTH": 2**self.table_bits, "E_W": self.e_bits,
            "E_DEPTH": self.e_depth, "DA_F": self.da_frac, "DBX_K": self.dbx_shift,
        }  # fmt: skip

    @property
    def pairs(self) -> int:
        return self.heads * self.headdim * self.d_state

    @property
    def state_bytes(self) -> float:
        """Bytes of the state per sequence: codes plus one 4-bit shift per `group` states."""
        return self.batch * self.pairs * (self.state_bits + 4 / self.group) / 8

    @property
    def macs(self) -> int:
        per_head = 2 * self.headdim  # dt'·x and D·x
        return self.batch * (PRODUCTS_PER_PAIR * self.pairs + self.heads * per_head)

    def options(self) -> list[dict]:
        head = self.headdim * self.d_state
        return [
            {"lanes": d}
            for d in (2**i for i in range(16))
            if head % d == 0
            and d % self.group == 0
            and (self.d_state % d == 0 or d % self.d_state == 0)
        ]

    def sequence_cycles(self) -> int:
        """Cycles of one sequence's step, first input beat to last output beat."""
        g = self.group
        header = -(-self.heads // g) * (2 * g + 4) + 2 * -(-self.groups * self.d_state // g)
        per_head = -(-self.headdim // g) + self.headdim * self.d_state // self.lanes
        return header + self.heads * per_head + PIPELINE

    def estimate(self, ctx: CostContext) -> Estimates:
        from fpgaforge.units.ssm_scan.terms import dsp_count, memory_cost

        per_head = self.headdim * self.d_state
        if per_head % self.lanes:
            raise ValueError(f"{self.lanes} SSM lanes do not divide a head's {per_head} pairs")
        if self.state_place not in ("onchip", "store", "stream"):
            raise ValueError(f"unknown state place {self.state_place!r}")
        p = self.params()
        lut, ff = rm.rtl_unit("ff_ssm_step", p)
        bram, mem_lut = memory_cost(
            p, ctx.board.bram_bits, self.batch, state=self.state_place == "onchip"
        )
        traffic = 2 * self.state_bytes
        offchip = traffic if self.state_place == "stream" else 0.0
        dsp = dsp_count(p)
        fabric = "dsp" if dsp else "lut"
        one = self.sequence_cycles()
        est = Estimates(
            dsp=dsp,
            bram=bram,
            lut=lut + mem_lut,
            ff=ff,
            macs=self.macs,
            onchip_bytes=traffic,
            offchip_bytes=offchip,
            energy_j=self.macs * ctx.energy.mac_j(self.bits, self.bits, fabric)
            + self.pairs * self.batch * 2 * ctx.energy.add_j(self.state_bits + 17)
            + traffic * ctx.energy.onchip_byte_j("uram")
            + offchip * ctx.energy.offchip_byte_j(),
        )
        return est.with_(cycles=(self.batch - 1) * (one + 1) + one, ii=self.batch * (one + 1))
