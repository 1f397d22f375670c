"""RMSNorm (gated) and table activations of a Mamba block (cost models; decode-step HLS kernels)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.rmsnorm.cost import RMSNormUnit, TableAct

KIT = UnitKit(
    name="rmsnorm",
    templates=(RMSNormUnit, TableAct),
    summary="RMSNorm with optional SiLU gate, and table activations (cost models; decode-step HLS kernels)",
    hls_headers=("rmsnorm.h", "mamba.h"),
    match_order=50,
)

__all__ = ["KIT", "RMSNormUnit", "TableAct"]
