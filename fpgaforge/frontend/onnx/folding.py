"""Constant folding with the ONNX reference implementation.

A node whose inputs are all known at import time is evaluated by
`onnx.reference` (the ONNX project's own definition of each op) and replaced
by constants, so weight and shape subgraphs never reach fpgaforge's IR.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper
from onnx.reference import ReferenceEvaluator

NON_FOLDABLE = {
    "RandomNormal",
    "RandomUniform",
    "RandomNormalLike",
    "RandomUniformLike",
    "Multinomial",
    "Bernoulli",
}
"""ONNX ops that cannot be folded: their outputs are random, not a function of the inputs."""

NEVER_FOLDED = {
    "QuantizeLinear",
    "DequantizeLinear",
    "Quant",
    "BipolarQuant",
    "Trunc",
    "QuantLinear",
}
"""ONNX ops kept even on constant inputs: quantization annotations that the quantizer reads."""


def fold_node(
    node: onnx.NodeProto, inputs: list[np.ndarray | None], opsets: dict[str, int]
) -> list[np.ndarray]:
    """Evaluate `node` on constant `inputs` with onnx.reference; returns its outputs.

    The node is wrapped in a one-node graph so that the evaluator uses the
    model's opset version of the op (given a bare NodeProto, onnx.reference
    always takes the newest version, e.g. Unsqueeze-13 with `axes` as an input
    for an opset-9 Unsqueeze that carries `axes` as an attribute).
    """
    feeds = {name: array for name, array in zip(node.input, inputs, strict=False) if name}
    graph = helper.make_graph(
        [node],
        "fold",
        [onnx.ValueInfoProto(name=name) for name in feeds],
        [onnx.ValueInfoProto(name=name) for name in node.output if name],
    )
    domains = {"": opsets.get("", opsets.get("ai.onnx", onnx.defs.onnx_opset_version()))}
    domains.update({d: v for d, v in opsets.items() if d not in ("", "ai.onnx")})
    if node.domain not in ("", "ai.onnx"):
        domains.setdefault(node.domain, 1)
    evaluator = ReferenceEvaluator(graph, opsets=domains)
    results = evaluator.run(None, feeds)
    outputs = iter(np.asarray(r) for r in results)
    return [next(outputs) if name else np.asarray([]) for name in node.output]
