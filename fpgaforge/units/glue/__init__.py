"""Stream glue: width converters, forks and skip FIFOs between the stages of a dataflow
pipeline (inserted by `fpgaforge.dataflow.glue`, not matched from graph nodes)."""

from fpgaforge.units.glue.cost import Fork, SkipFifo, WidthConverter
from fpgaforge.units.kit import UnitKit

KIT = UnitKit(
    name="glue",
    templates=(WidthConverter, Fork, SkipFifo),
    summary="stream glue: width converters, forks and skip FIFOs between stages",
    verilog_modules=("ff_dwc", "ff_fork", "ff_fifo"),
    match_order=1000,
)

__all__ = ["KIT", "Fork", "SkipFifo", "WidthConverter"]
