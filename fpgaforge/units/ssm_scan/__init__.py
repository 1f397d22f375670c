"""Mamba selective scan and decode step (cost models; decode-step HLS kernels)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.ssm_scan.cost import SSMScan
from fpgaforge.units.ssm_scan.step import SSMStep

KIT = UnitKit(
    name="ssm_scan",
    templates=(SSMScan, SSMStep),
    summary="Mamba selective scan and decode step (cost models; decode-step HLS kernels)",
    hls_headers=("ssm_step.h", "mamba.h"),
    verilog_modules=(),
    match_order=50,
)

__all__ = ["KIT", "SSMScan", "SSMStep"]
