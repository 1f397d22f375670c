"""N:M sparse MVAU (cost model; no kernel yet)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.sparse_gemm.cost import SparseGemm

KIT = UnitKit(
    name="sparse_gemm",
    templates=(SparseGemm,),
    summary="N:M sparse MVAU (cost model; no kernel yet)",
    hls_headers=(),
    verilog_modules=(),
    match_order=5,
)

__all__ = ["KIT", "SparseGemm"]
