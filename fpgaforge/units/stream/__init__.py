"""Reshape (free), routing, transposes (frame buffer)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.stream.cost import StreamOp

KIT = UnitKit(
    name="stream",
    templates=(StreamOp,),
    summary="reshape (free), routing, transposes (frame buffer)",
    hls_headers=("movement.h", "mamba.h"),
    verilog_modules=("ff_reorder",),
    match_order=50,
)

__all__ = ["KIT", "StreamOp"]
