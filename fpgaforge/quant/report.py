"""Quantization error per layer: SQNR of every quantized tensor against the float graph."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from fpgaforge.ir.executor import execute
from fpgaforge.ir.graph import Graph
from fpgaforge.numerics.stats import OverflowStats


@dataclass(frozen=True)
class LayerError:
    """How far one quantized tensor is from its float original."""

    tensor: str
    node: str
    op: str
    dtype: str
    sqnr_db: float
    max_abs_error: float
    overflowed: int
    total: int


def sqnr_db(reference: np.ndarray, approx: np.ndarray) -> float:
    """10·log10(Σ ref² / Σ (ref − approx)²); +inf when they are equal."""
    ref = np.asarray(reference, np.float64)
    noise = float(np.sum((ref - np.asarray(approx, np.float64)) ** 2))
    signal = float(np.sum(ref**2))
    if noise == 0.0:
        return math.inf
    if signal == 0.0:
        return -math.inf
    return 10.0 * math.log10(signal / noise)


def layer_errors(graph: Graph, qgraph: Graph, feeds: Mapping[str, np.ndarray]) -> list[LayerError]:
    """SQNR and overflow counts of every float node output that has a quantized counterpart."""
    value_map: dict[str, str] = qgraph.metadata.get("value_map", {})
    pairs = [
        (out.name, value_map[out.name], node)
        for node in graph.nodes
        for out in node.outputs
        if out.name in value_map
    ]
    float_out = execute(graph, feeds, outputs=[p[0] for p in pairs])
    overflow: dict[str, OverflowStats] = {}
    quant_out = execute(qgraph, feeds, outputs=[p[1] for p in pairs], overflow=overflow)
    rows = []
    for float_name, quant_name, node in pairs:
        ref, got = float_out[float_name], quant_out[quant_name]
        stats = overflow.get(quant_name, OverflowStats())
        rows.append(
            LayerError(
                tensor=float_name,
                node=node.name,
                op=node.op,
                dtype=str(qgraph.find_value(quant_name).dtype),
                sqnr_db=sqnr_db(ref, got),
                max_abs_error=float(np.max(np.abs(np.asarray(ref, np.float64) - got)))
                if np.size(ref)
                else 0.0,
                overflowed=stats.count,
                total=stats.total,
            )
        )
    return rows
