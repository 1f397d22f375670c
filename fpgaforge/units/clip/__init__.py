"""Clip unit: a stand-alone clip activation (ReLU6, hard-tanh) as two comparators per lane."""

from fpgaforge.units.clip.cost import Clip
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="clip",
    templates=(Clip,),
    summary="clip activation (ReLU6, hard-tanh) by two comparators per lane",
    hls_headers=("activation.h",),
    verilog_modules=("ff_clip",),
    match_order=40,
)

__all__ = ["KIT", "Clip"]
