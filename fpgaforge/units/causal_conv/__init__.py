"""Depthwise causal conv1d with its window state (cost model; decode-step HLS kernel)."""

from fpgaforge.units.causal_conv.cost import CausalConv
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="causal_conv",
    templates=(CausalConv,),
    summary="depthwise causal conv1d with state, decode step (cost model; decode-step HLS kernel and RTL)",
    hls_headers=("causal_conv.h", "mamba.h"),
    verilog_modules=("ff_causal_conv",),
    match_order=50,
)

__all__ = ["KIT", "CausalConv"]
