"""Streaming dense / matmul engine (PE x SIMD, FINN MVAU) with a fused bias, requant and activation epilogue."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.mvau.cost import MVAU

KIT = UnitKit(
    name="mvau",
    templates=(MVAU,),
    summary="streaming dense / matmul engine (PE x SIMD, FINN MVAU) with a fused bias, requant and activation epilogue",
    hls_headers=("dense.h",),
    verilog_modules=("ff_mvau", "ff_weight_rom", "ff_rom"),
    match_order=10,
)

__all__ = ["KIT", "MVAU"]
