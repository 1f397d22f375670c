"""Quantized graphs to and from QONNX (ONNX with `Quant` nodes).

`save_qonnx` writes the float graph with a QONNX `Quant` node on every quantized
tensor (weights, biases and activations), so QONNX tools can read it; the exact
fpgaforge types (rounding and overflow modes, accumulators, weight formats) ride
along in the model's metadata. `load_qonnx` strips the Quant nodes, imports the
float graph, and lowers it again with the same types, so a round trip gives
identical outputs. Files from other tools (no fpgaforge metadata) get their types
from the Quant nodes' bit widths, signedness, scales and rounding modes.

`export` holds the exporter and its emitter table; each op's emitter sits with its
family (`layers`, `arithmetic`, `pooling`, `activation`, `movement`) and registers
itself with `@emitter(...)`; `load` reads files back.
"""

from __future__ import annotations

from fpgaforge.quant.qonnx import (  # noqa: F401  (each module registers its emitters)
    activation,
    arithmetic,
    layers,
    movement,
    pooling,
    rowwise,
)
from fpgaforge.quant.qonnx.export import (
    EMITTERS,
    EXPORT_OPSET,
    METADATA_KEY,
    QONNX_DOMAIN,
    emitter,
    save_qonnx,
)
from fpgaforge.quant.qonnx.load import load_qonnx

__all__ = [
    "EMITTERS",
    "EXPORT_OPSET",
    "METADATA_KEY",
    "QONNX_DOMAIN",
    "emitter",
    "load_qonnx",
    "save_qonnx",
]
