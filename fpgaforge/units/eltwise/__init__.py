"""Add, mul, affine, relu, max of one or two streams."""

from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="eltwise",
    templates=(Eltwise,),
    summary="add, mul, affine, relu, max of one or two streams",
    hls_headers=("eltwise.h", "mamba.h"),
    verilog_modules=("ff_add", "ff_affine"),
    match_order=50,
)

__all__ = ["KIT", "Eltwise"]
