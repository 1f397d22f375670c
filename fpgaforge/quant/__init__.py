"""Quantization: numeric types, bit-exact emulation, PTQ, QONNX and QFX.

qgraph = fpgaforge.quantize(graph, "fixed:8,3", calibration={"x": batch})
fpgaforge.execute(qgraph, {"x": x})          # bit-exact integer emulation
"""

from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.ptq import quantize
from fpgaforge.quant.qonnx import load_qonnx, save_qonnx
from fpgaforge.quant.spec import QuantSpec, parse_spec

__all__ = [
    "Fixed",
    "Int",
    "NumericType",
    "Overflow",
    "QuantSpec",
    "Rounding",
    "Scale",
    "load_qonnx",
    "parse_spec",
    "quantize",
    "save_qonnx",
]
