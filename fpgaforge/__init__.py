"""fpgaforge: edge and FPGA accelerator co-design.

graph = fpgaforge.load("model.onnx")                  # or fpgaforge.from_torch(module, x)
outputs = fpgaforge.execute(graph, {"x": x})          # the float reference
qgraph = fpgaforge.quantize(graph, "fixed:8,3", {"x": calibration_batch})
codes = fpgaforge.execute(qgraph, {"x": x}, as_codes=True)  # bit-exact integer emulation
"""

from fpgaforge.dataflow import schedule
from fpgaforge.errors import FpgaforgeError
from fpgaforge.frontend import from_torch, load
from fpgaforge.ir import Graph, Node, Value, execute
from fpgaforge.quant import quantize
from fpgaforge.version import __version__

__all__ = [
    "FpgaforgeError",
    "Graph",
    "Node",
    "Value",
    "__version__",
    "execute",
    "from_torch",
    "load",
    "quantize",
    "schedule",
]
