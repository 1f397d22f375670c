"""Shared tiled engine: a weight-stationary systolic GEMM array plus a vector unit."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.tiled_gemm.cost import TiledGemmEngine, TiledGemmLayer, TiledVectorLayer

KIT = UnitKit(
    name="tiled_gemm",
    templates=(TiledGemmEngine, TiledGemmLayer, TiledVectorLayer),
    summary="shared systolic GEMM array + vector unit (tiled style, weights from DDR/HBM)",
    hls_headers=("tiled_gemm.h",),
    verilog_modules=("ff_tiled_gemm", "ff_sat_array"),
    match_order=90,
)

__all__ = ["KIT", "TiledGemmEngine", "TiledGemmLayer", "TiledVectorLayer"]
