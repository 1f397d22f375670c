"""LightMamba-style quantization of Mamba-2 decode steps and its baselines.

qgraph = fpgaforge.quantize(step_graph, "lightmamba", calibration={"tokens": ids})

The float graph is copied, its norm weights folded into the linear layers, rotated
(`rotation` knob), calibrated over a token sequence with the state carried, and
lowered to integer ops (`fpgaforge.ir.ops.intssm`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.quant.lightmamba.lower import calibrate, lower_mamba, state_pairs
from fpgaforge.quant.lightmamba.rotate import fold_norm_weights, online_rotation, rotate_residual
from fpgaforge.quant.lightmamba.spec import (
    METHODS,
    PRESETS,
    MambaQuantSpec,
    is_mamba_spec,
    parse_mamba_spec,
)

DEFAULT_CALIBRATION_TOKENS = 64
"""Without calibration data: this many pseudo-random tokens (seed 0)."""


def prepare(graph: Graph, spec: MambaQuantSpec) -> Graph:
    """The float graph with norm weights folded and, with `rotation`, rotated (exact)."""
    work = graph.copy()
    fold_norm_weights(work)
    if spec.rotation:
        reason = rotate_residual(work)
        if reason is not None:
            raise QuantizationError(
                f"Cannot rotate graph {graph.name!r}: {reason}; quantize with rotation=off."
            )
        online_rotation(work)
    return work


def quantize_mamba(graph: Graph, spec, calibration: Mapping | None = None) -> Graph:
    """Quantize a Mamba-2 decode-step graph with a method of `METHODS`."""
    parsed = parse_mamba_spec(spec)
    if not state_pairs(graph):
        raise QuantizationError(
            f"Graph {graph.name!r} has no state inputs paired with '<name>_out' outputs; "
            f"the {parsed.method} quantization takes Mamba decode steps."
        )
    work = prepare(graph, parsed)
    if calibration is not None and "tokens" in calibration:
        tokens = np.asarray(calibration["tokens"]).reshape(-1)
    else:
        vocab = next(n.inputs[1].shape[0] for n in graph.nodes if n.op == "Embedding")
        tokens = np.random.default_rng(0).integers(0, vocab, DEFAULT_CALIBRATION_TOKENS)
    qgraph = lower_mamba(work, parsed, calibrate(work, tokens))
    qgraph.metadata["quant_spec"] = parsed.text
    qgraph.metadata["calibrated"] = calibration is not None
    return qgraph


__all__ = [
    "METHODS",
    "PRESETS",
    "MambaQuantSpec",
    "is_mamba_spec",
    "parse_mamba_spec",
    "prepare",
    "quantize_mamba",
]
