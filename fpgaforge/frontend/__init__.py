"""Model import: ONNX files and PyTorch modules into fpgaforge Graphs."""

from fpgaforge.frontend.onnx import load, read_model, supported_op_types
from fpgaforge.frontend.torch_import import from_torch

__all__ = ["from_torch", "load", "read_model", "supported_op_types"]
