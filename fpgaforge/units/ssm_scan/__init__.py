"""Mamba selective scan (cost model) and the LightMamba decode-step units: the SSM step
(`ff_ssm_step`, HLS `ssm_step.h`) and the power-of-two activation quantizer (`ff_pot_quant`)."""

from fpgaforge.units.kit import UnitKit
from fpgaforge.units.ssm_scan.cost import SSMScan
from fpgaforge.units.ssm_scan.pot_quant import PotQuant
from fpgaforge.units.ssm_scan.step import SSMStep

KIT = UnitKit(
    name="ssm_scan",
    templates=(SSMScan, SSMStep, PotQuant),
    summary="Mamba selective scan (cost model), SSM decode step (RTL, HLS) and power-of-two quantizer",
    hls_headers=("ssm_step.h", "mamba.h"),
    verilog_modules=("ff_ssm_step", "ff_pot_quant", "ff_shift_round"),
    match_order=50,
)

__all__ = ["KIT", "PotQuant", "SSMScan", "SSMStep"]
