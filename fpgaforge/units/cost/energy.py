"""Dynamic energy of operations and data movement, from `fpgaforge.boards.energy`.

Templates call `EnergyModel` with what they do per inference (MACs at some
widths on DSPs or LUTs, additions, bytes moved on and off chip); the figures
come from the board package's energy table (`fpgaforge/boards/data/energy.yaml`,
overridable with `FPGAFORGE_ENERGY`).

Widths: the table gives int8/int16/int32 MACs. A product narrower than 8×8
scales the int8 MAC by wa·wb/64 (multiplier energy follows its area, ~wa·wb),
with a floor of 1/16.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


@functools.cache
def _table():
    from fpgaforge.boards import energy

    return energy.load()


def _precision(bits: int) -> str:
    return "int8" if bits <= 8 else "int16" if bits <= 16 else "int32"


@dataclass(frozen=True)
class EnergyModel:
    """Energies in joules for one board's external memory type."""

    memory_type: str | None = "DDR4"

    @functools.cache  # noqa: B019 - instances are small, frozen and few
    def mac_j(self, weight_bits: int, act_bits: int, fabric: str = "dsp") -> float:
        """One multiply-accumulate of `weight_bits × act_bits` on 'dsp' or 'lut'."""
        widest = max(weight_bits, act_bits)
        pj = _table().mac_pj(_precision(widest), fabric)
        if widest <= 8:
            pj *= max(weight_bits * act_bits / 64.0, 1.0 / 16.0)
        return pj * 1e-12

    @functools.cache  # noqa: B019
    def add_j(self, bits: int) -> float:
        """One addition/comparison of `bits` in LUT fabric."""
        op = "int8_add" if bits <= 8 else "int16_add" if bits <= 16 else "int32_add"
        return _table().op_pj(op, "lut") * 1e-12

    @functools.cache  # noqa: B019
    def onchip_byte_j(self, memory: str = "bram") -> float:
        """One byte read or written in on-chip 'bram', 'uram' or 'lutram'."""
        memory = memory if memory in ("bram", "uram", "lutram") else "bram"
        return _table().onchip_pj_per_byte(memory) * 1e-12

    @functools.cache  # noqa: B019
    def offchip_byte_j(self) -> float:
        """One byte moved to or from the board's external memory (0 without one)."""
        if not self.memory_type:
            return 0.0
        return _table().dram_pj_per_byte(self.memory_type) * 1e-12
