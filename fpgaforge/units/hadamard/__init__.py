"""Fast Walsh-Hadamard transform (cost model; no kernel yet)."""

from fpgaforge.units.hadamard.cost import Hadamard
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="hadamard",
    templates=(Hadamard,),
    summary="fast Walsh-Hadamard transform (cost model; no kernel yet)",
    hls_headers=(),
    verilog_modules=(),
    match_order=50,
)

__all__ = ["KIT", "Hadamard"]
