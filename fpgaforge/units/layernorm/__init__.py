"""Integer LayerNorm over rows (a reciprocal square root table; `layernorm.h`)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.layernorm.cost import LayerNormUnit

KIT = UnitKit(
    name="layernorm",
    templates=(LayerNormUnit,),
    summary="integer LayerNorm over rows (rsqrt table, gamma and beta)",
    hls_headers=("layernorm.h",),
    verilog_modules=("ff_layernorm",),
    match_order=45,
)

__all__ = ["KIT", "LayerNormUnit"]
