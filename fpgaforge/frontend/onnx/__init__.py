"""ONNX import."""

from fpgaforge.frontend.onnx.loader import load, read_model
from fpgaforge.frontend.onnx.registry import supported_op_types

__all__ = ["load", "read_model", "supported_op_types"]
