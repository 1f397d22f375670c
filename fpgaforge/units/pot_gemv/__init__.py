"""W4A4 group-quantized matrix-vector unit with power-of-two group scales: `ff_pot_gemv`, the decode-step HLS kernel and the cost model."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.pot_gemv.cost import PotGemv

KIT = UnitKit(
    name="pot_gemv",
    templates=(PotGemv,),
    summary="W4A4 GEMV with power-of-two group shifts, weights streamed (ff_pot_gemv; decode-step HLS kernel)",
    hls_headers=("pot_gemv.h", "mamba.h"),
    verilog_modules=("ff_pot_gemv",),
    match_order=50,
)

__all__ = ["KIT", "PotGemv"]
