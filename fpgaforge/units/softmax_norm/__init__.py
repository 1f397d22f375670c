"""Softmax, LayerNorm, reduce, LRN."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.softmax_norm.cost import SoftmaxNorm

KIT = UnitKit(
    name="softmax_norm",
    templates=(SoftmaxNorm,),
    summary="softmax, LayerNorm, reduce, LRN",
    hls_headers=("softmax.h", "layernorm.h", "lrn.h"),
    verilog_modules=("ff_softmax",),
    match_order=50,
)

__all__ = ["KIT", "SoftmaxNorm"]
