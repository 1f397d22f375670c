"""Sliding window + vector-vector unit (depthwise convolution)."""

from fpgaforge.units.depthwise.cost import DepthwiseVVAU
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="depthwise",
    templates=(DepthwiseVVAU,),
    summary="sliding window + vector-vector unit (depthwise convolution)",
    hls_headers=("depthwise.h",),
    verilog_modules=("ff_vvau",),
    match_order=10,
)

__all__ = ["KIT", "DepthwiseVVAU"]
