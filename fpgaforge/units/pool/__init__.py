"""Streaming max / average / global pooling."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.pool.cost import Pool

KIT = UnitKit(
    name="pool",
    templates=(Pool,),
    summary="streaming max / average / global pooling",
    hls_headers=("pool.h",),
    verilog_modules=("ff_pool",),
    match_order=50,
)

__all__ = ["KIT", "Pool"]
