"""Power-of-two activation quantizer (`ff_pot_quant`, LightMamba's dynamic per-group
activation quantization; fpgaforge.ir.ops.intssm.quantize_activation): the cost model.

Per word of `n` codes of `in_bits`, in groups of `group` (0: one static shift): the group's
shift from the OR of the magnitudes (a priority encoder), every code shifted right with
rounding and saturated to `bits`. Combinational: one word a cycle, no latency of its own
(it sits in front of a linear layer's or the SSM unit's input register). LUTs: `terms.py`
(fitted with yosys in bench/mamba_units_resources.py); no DSP, no memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.template import CostContext, Template


@dataclass(frozen=True)
class PotQuant(Template):
    """A power-of-two group quantizer of `n` codes per word, `words` words per inference."""

    kind = "pot_quant"
    FOLDING = ("n",)

    n: int
    bits: int = 4
    in_bits: int = 32
    group: int = 8
    words: int = 1

    @classmethod
    def of_params(cls, p: dict[str, Any], words: int = 1) -> PotQuant:
        """The model of an `ff_pot_quant` with Verilog parameters `p`."""
        return cls(int(p["N"]), int(p["BITS"]), int(p["IN_W"]), int(p.get("GROUP", 8)), words)

    def params(self) -> dict[str, int]:
        return {"N": self.n, "BITS": self.bits, "IN_W": self.in_bits, "GROUP": self.group}

    def options(self) -> list[dict]:
        g = max(self.group, 1)
        return [{"n": g * k} for k in (1, 2, 4, 8, 16)]

    def estimate(self, ctx: CostContext) -> Estimates:
        lut, ff = rm.rtl_unit("ff_pot_quant", self.params())
        return Estimates(lut=lut, ff=ff).with_(cycles=self.words, ii=self.words)
