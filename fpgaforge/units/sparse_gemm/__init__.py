"""N:M sparse MVAU: N multipliers per M-wide group with index-driven selects, compressed weights."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.sparse_gemm.cost import SparseGemm

KIT = UnitKit(
    name="sparse_gemm",
    templates=(SparseGemm,),
    summary="N:M sparse MVAU: N multipliers per M-wide group, index-driven selects, compressed weights",
    hls_headers=("sparse_dense.h",),
    verilog_modules=("ff_sparse_mvau",),
    match_order=5,
)

__all__ = ["KIT", "SparseGemm"]
