"""Mamba selective scan (cost model; no kernel yet)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.ssm_scan.cost import SSMScan

KIT = UnitKit(
    name="ssm_scan",
    templates=(SSMScan,),
    summary="Mamba selective scan (cost model; no kernel yet)",
    hls_headers=(),
    verilog_modules=(),
    match_order=50,
)

__all__ = ["KIT", "SSMScan"]
