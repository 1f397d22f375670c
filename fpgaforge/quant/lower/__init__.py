"""Phase B of quantization: build the integer graph from a float graph and a TypePlan.

Every format lowers to the same hardware arithmetic (docs/numerics.md):
integer multiply, wide accumulate into an accumulator type that cannot overflow,
then a `Requant` (integer multiply and/or shift, the output type's rounding,
saturate or wrap). A ReLU right after a layer runs on the accumulator, ahead of
the Requant, as the hardware does it.

`driver` walks the graph and holds the helpers; each op's rule sits with its
family (`layers`, `arithmetic`, `movement`, `pooling`, `activation`) and
registers itself with `@integer_rule(...)`.
"""

from __future__ import annotations

from fpgaforge.ir.graph import Graph
from fpgaforge.quant.lower import (  # noqa: F401  (each module registers its rules)
    activation,
    arithmetic,
    layernorm,
    layers,
    movement,
    pooling,
    rowwise,
)
from fpgaforge.quant.lower.arithmetic import INT_ADD_GUARD_BITS
from fpgaforge.quant.lower.driver import INTEGER_RULES, Lowering, integer_rule, widen
from fpgaforge.quant.plan import TypePlan
from fpgaforge.quant.sparsity import check_formats


def lower(graph: Graph, plan: TypePlan) -> Graph:
    """The quantized (integer) graph of `graph` with the types of `plan`."""
    qgraph = Lowering(graph, plan).run()
    check_formats(qgraph)  # an N:M layer's integer weights must keep their pattern
    return qgraph


__all__ = ["INTEGER_RULES", "INT_ADD_GUARD_BITS", "Lowering", "integer_rule", "lower", "widen"]
