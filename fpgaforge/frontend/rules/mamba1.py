"""Recognize the state update of a Mamba-1 selective scan, which fpgaforge does not map.

Mamba-1 decays its state [N, D, S] by exp(dt ⊗ A) with A a constant [D, S] (one row
per channel), where Mamba-2 has one A per head (`SSMStep`). A Mamba-1 block would
import as plain element-wise ops that no Mamba unit, quantizer or estimate handles;
the importer names the update instead and says what is supported.
"""

from __future__ import annotations

from fpgaforge.frontend.rules.patterns import other_operand, producer
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node


def _per_channel_a(node: Node, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape of a constant [D, S] A that `node` (the argument of the exp) reads."""
    for v in node.inputs:
        if v is not None and v.const is not None and v.rank == 2 and v.shape == shape:
            return v.shape
    return None


def mamba1_update(graph: Graph) -> tuple[Node, tuple[int, ...]] | None:
    """(the Add h * exp(dt ⊗ A) + dBx, A's shape) of a Mamba-1 step, or None."""
    for node in graph.nodes:
        if node.op != "Add" or node.outputs[0].rank != 3:
            continue
        for side in node.inputs:
            mul = producer(side, "Mul")
            if mul is None or other_operand(node, side) is None:
                continue
            for state in mul.inputs:
                if state is None or state.is_constant or state.rank != 3:
                    continue
                decay = producer(other_operand(mul, state), "Activation", "exp")
                arg = decay.inputs[0].producer if decay is not None else None
                if arg is not None and arg.op in ("Mul", "Einsum"):
                    a = _per_channel_a(arg, tuple(state.shape[1:]))
                    if a is not None and min(a) > 1:
                        return node, a
    return None
