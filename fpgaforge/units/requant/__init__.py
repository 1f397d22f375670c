"""Stand-alone requantization."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.requant.cost import Requant

KIT = UnitKit(
    name="requant",
    templates=(Requant,),
    summary="stand-alone requantization",
    hls_headers=("requant.h",),
    verilog_modules=("ff_rqstage", "ff_requant"),
    match_order=50,
)

__all__ = ["KIT", "Requant"]
