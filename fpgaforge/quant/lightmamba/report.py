"""Float vs integer decode: per output of a Mamba-2 step, the error over a token sequence."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fpgaforge.ir.executor import execute
from fpgaforge.ir.graph import Graph
from fpgaforge.quant.lightmamba.lower import state_pairs


@dataclass(frozen=True)
class DecodeError:
    output: str
    sqnr_db: float
    max_abs_error: float
    top1_agreement: float | None


def decode_errors(graph: Graph, qgraph: Graph, tokens: Sequence[int]) -> list[DecodeError]:
    """Run both graphs over `tokens` (each with its own state carried); per output the
    SQNR in dB of the quantized values against the float ones, and for the logits how
    often both pick the same top token."""
    pairs = state_pairs(graph)
    token_name = next(v.name for v in graph.inputs if v.name not in pairs)
    f_feeds = {k: np.zeros(graph.find_value(k).shape, np.float32) for k in pairs}
    q_feeds = {k: np.zeros(qgraph.find_value(k).shape, np.int64) for k in pairs}
    signal: dict[str, float] = {}
    noise: dict[str, float] = {}
    worst: dict[str, float] = {}
    same, count = 0, 0
    logits = next(v.name for v in graph.outputs if v.name not in pairs.values())
    for token in tokens:
        feed = {token_name: np.array([int(token)])}
        f_out = execute(graph, {**feed, **f_feeds})
        q_out = execute(qgraph, {**feed, **q_feeds})
        for name, ref in f_out.items():
            got = np.asarray(q_out[name], np.float64)
            if name in pairs.values():
                frac = _state_frac(qgraph, name)
                got = got * 2.0**-frac
            diff = got - ref
            signal[name] = signal.get(name, 0.0) + float((ref.astype(np.float64) ** 2).sum())
            noise[name] = noise.get(name, 0.0) + float((diff**2).sum())
            worst[name] = max(worst.get(name, 0.0), float(np.abs(diff).max(initial=0)))
        same += int(np.argmax(f_out[logits]) == np.argmax(q_out[logits]))
        count += 1
        f_feeds = {k: f_out[v] for k, v in pairs.items()}
        q_feeds = {k: q_out[v] for k, v in pairs.items()}
    rows = []
    for name in signal:
        sqnr = (
            math.inf
            if noise[name] == 0
            else 10 * math.log10(max(signal[name], 1e-30) / noise[name])
        )
        rows.append(DecodeError(name, sqnr, worst[name], same / count if name == logits else None))
    return rows


def _state_frac(qgraph: Graph, name: str) -> int:
    """The fractional bits of a state output (from the op that writes it)."""
    value = qgraph.find_value(name)
    node = value.producer
    attrs = node.attrs
    if node.op == "IntSSMStep":
        return int(attrs["frac_h"])
    return int(attrs["frac_in"])
