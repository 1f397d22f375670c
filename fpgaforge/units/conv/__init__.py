"""Sliding window (line buffer) + MVAU, optional fused max pool."""

from fpgaforge.units.conv.cost import ConvSWU
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="conv",
    templates=(ConvSWU,),
    summary="sliding window (line buffer) + MVAU, optional fused max pool",
    hls_headers=("conv2d.h", "linebuffer.h", "sparse_conv2d.h"),
    verilog_modules=("ff_swu",),
    match_order=10,
)

__all__ = ["KIT", "ConvSWU"]
