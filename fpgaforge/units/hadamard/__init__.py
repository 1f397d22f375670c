"""Fast Walsh-Hadamard transform (cost model; no kernel yet)."""

from fpgaforge.units.hadamard.cost import Hadamard
from fpgaforge.units.hadamard.mixed import MixedHadamard
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="hadamard",
    templates=(Hadamard, MixedHadamard),
    summary="fast Walsh-Hadamard transform (cost model; no kernel yet)",
    hls_headers=(),
    verilog_modules=(),
    match_order=50,
)

__all__ = ["KIT", "Hadamard", "MixedHadamard"]
