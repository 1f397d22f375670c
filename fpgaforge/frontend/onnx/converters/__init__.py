"""Converters from ONNX op types to fpgaforge ops (importing registers them)."""

from fpgaforge.frontend.onnx.converters import (  # noqa: F401
    elementwise,
    nn,
    quant,
    sequence,
    shape,
)
