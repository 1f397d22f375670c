"""RMSNorm (gated) and table activations of a Mamba block (cost models; decode-step HLS kernels and RTL units)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.rmsnorm.cost import RMSNormUnit, TableAct

KIT = UnitKit(
    name="rmsnorm",
    templates=(RMSNormUnit, TableAct),
    summary="RMSNorm with optional SiLU gate, and table activations (cost models; decode-step HLS kernels and RTL)",
    hls_headers=("rmsnorm.h", "mamba.h"),
    verilog_modules=("ff_rmsnorm", "ff_int_table"),
    match_order=50,
)

__all__ = ["KIT", "RMSNormUnit", "TableAct"]
