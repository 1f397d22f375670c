"""Fast Walsh-Hadamard transform (cost model; decode-step HLS kernel)."""

from fpgaforge.units.hadamard.cost import Hadamard
from fpgaforge.units.hadamard.mixed import MixedHadamard
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="hadamard",
    templates=(Hadamard, MixedHadamard),
    summary="fast Walsh-Hadamard transform (cost model; decode-step HLS kernel)",
    hls_headers=("hadamard.h", "mamba.h"),
    verilog_modules=(),
    match_order=50,
)

__all__ = ["KIT", "Hadamard", "MixedHadamard"]
