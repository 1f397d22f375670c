"""Table-lookup nonlinearity."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.lutact.cost import LutActivation

KIT = UnitKit(
    name="lutact",
    templates=(LutActivation,),
    summary="table-lookup nonlinearity",
    hls_headers=("activation.h",),
    verilog_modules=("ff_lutact",),
    match_order=50,
)

__all__ = ["KIT", "LutActivation"]
