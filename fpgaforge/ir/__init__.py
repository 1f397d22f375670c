"""fpgaforge's typed graph IR: Graph, Node, Value, the op registry, passes and the executor."""

from fpgaforge.ir import ops  # noqa: F401  (registers the op set)
from fpgaforge.ir.executor import execute
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node, Provenance
from fpgaforge.ir.quant_info import QuantInfo, WeightFormat, WeightKind
from fpgaforge.ir.value import Value, constant

__all__ = [
    "Graph",
    "Node",
    "Provenance",
    "QuantInfo",
    "Value",
    "WeightFormat",
    "WeightKind",
    "constant",
    "execute",
]
