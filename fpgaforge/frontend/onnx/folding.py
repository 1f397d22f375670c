"""Constant folding with the ONNX reference implementation.

A node whose inputs are all known at import time is evaluated by
`onnx.reference` (the ONNX project's own definition of each op) and replaced
by constants, so weight and shape subgraphs never reach fpgaforge's IR.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx.reference import ReferenceEvaluator

NON_FOLDABLE = {
    "RandomNormal",
    "RandomUniform",
    "RandomNormalLike",
    "RandomUniformLike",
    "Multinomial",
    "Bernoulli",
}


def fold_node(
    node: onnx.NodeProto, inputs: list[np.ndarray | None], opsets: dict[str, int]
) -> list[np.ndarray]:
    """Evaluate `node` on constant `inputs` with onnx.reference; returns its outputs."""
    feeds = {name: array for name, array in zip(node.input, inputs, strict=False) if name}
    evaluator = ReferenceEvaluator(node, opsets=opsets)
    results = evaluator.run(None, feeds)
    return [np.asarray(r) for r in results]
