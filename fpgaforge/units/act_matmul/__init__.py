"""MatMul of two activations (attention's Q·K^T and A·V; `act_matmul.h`)."""

from fpgaforge.units.act_matmul.cost import ActMatMul
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="act_matmul",
    templates=(ActMatMul,),
    summary="MatMul of two activation streams (attention scores and context)",
    hls_headers=("act_matmul.h",),
    verilog_modules=("ff_act_matmul",),
    match_order=4,
)

__all__ = ["KIT", "ActMatMul"]
