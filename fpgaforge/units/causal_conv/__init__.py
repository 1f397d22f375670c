"""Depthwise causal conv1d with its window state (cost model; no kernel yet)."""

from fpgaforge.units.causal_conv.cost import CausalConv
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="causal_conv",
    templates=(CausalConv,),
    summary="depthwise causal conv1d with state, decode step (cost model; no kernel yet)",
    match_order=50,
)

__all__ = ["KIT", "CausalConv"]
