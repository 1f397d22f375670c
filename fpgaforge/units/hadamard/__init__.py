"""Hadamard transform H_K ⊗ H_2^k on integer codes: `ff_hadamard`, the decode-step HLS kernel and the cost model."""

from fpgaforge.units.hadamard.cost import Hadamard
from fpgaforge.units.hadamard.mixed import MixedHadamard
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="hadamard",
    templates=(Hadamard, MixedHadamard),
    summary="Hadamard transform H_K x H_2^k on codes (ff_hadamard; decode-step HLS kernel)",
    hls_headers=("hadamard.h", "mamba.h"),
    verilog_modules=("ff_hadamard",),
    match_order=50,
)

__all__ = ["KIT", "Hadamard", "MixedHadamard"]
