"""Converters from ONNX op types to fpgaforge ops (importing registers them)."""

from fpgaforge.frontend.onnx.converters import elementwise, nn, quant, shape  # noqa: F401
