"""The order of a training step's backward pass on the array (`dataflow/training.py`).

Going from the last weighted layer to the first, a layer's weight gradient (and its backward
data) needs its output gradient dY, the sum of the backward data of every GEMM stage that
reads its output (through weightless nodes: activations, adds, reshapes). So a layer's
backward data only has to run before the weight gradient of a layer whose output it
reaches; until then it can wait. Waiting lets the vector unit's update and mask generation
of the layers before overlap it: siblings that read the same tensor (attention's Q, K and V
projections, an Inception module's branches) run all their weight gradients first.
"""

from __future__ import annotations

from collections.abc import Sequence

from fpgaforge.dataflow.stages import StageSpec
from fpgaforge.ir.graph import Graph


def readers(graph: Graph, stages: Sequence[StageSpec]) -> list[set[int]]:
    """For each GEMM stage (by index in `stages`), the GEMM stages that read its output,
    directly or through nodes of no GEMM stage."""
    stage_of = {name: i for i, spec in enumerate(stages) for name in spec.nodes}
    by_name = {node.name: node for node in graph.nodes}
    result: list[set[int]] = []
    for i, spec in enumerate(stages):
        found: set[int] = set()
        seen: set[str] = set()
        frontier = [o for name in spec.nodes for o in by_name[name].outputs if o is not None]
        while frontier:
            value = frontier.pop()
            for user in value.users:
                owner = stage_of.get(user.name)
                if owner == i:
                    continue
                if owner is not None:
                    found.add(owner)
                elif user.name not in seen:
                    seen.add(user.name)
                    frontier.extend(o for o in user.outputs if o is not None)
        result.append(found)
    return result


def backward_order(
    graph: Graph, stages: Sequence[StageSpec], gradients: Sequence[list], data: Sequence[list]
) -> list:
    """The backward pass's items in run order: for each stage from the last, `gradients[i]`
    (its weight gradient and the vector work after it), each stage's `data[i]` (its backward
    data) held back until a stage whose output it reaches comes next, then whatever is left,
    in the order it was held."""
    reach = readers(graph, stages)
    held: list[tuple[int, list]] = []
    order: list = []
    for i in reversed(range(len(stages))):
        order.extend(item for j, items in held if j in reach[i] for item in items)
        held = [(j, items) for j, items in held if j not in reach[i]]
        order.extend(gradients[i])
        if data[i]:
            held.append((i, data[i]))
    order.extend(item for _, items in held for item in items)
    return order
