"""The hardware part of a LightMamba-quantized decode step and its expected codes.

`decode_split(qgraph)` cuts the quantized step into host and hardware as LightMamba does:
the host looks the token up in the embedding table (`Embedding`), the hardware starts at
the embedding codes (`FixedQuant`, the boundary, which the host's driver applies) and runs
every layer to the final residual codes plus the new states; the host then dequantizes
(`FixedDequant`), normalizes (final RMSNorm) and applies the LM head.

`decode_trace(qgraph, tokens)` runs the integer emulation (`fpgaforge.execute`) token by
token with the states carried (all zero before the first token) and records, per token,
the embedding codes, the final residual codes and every new state: the expected codes an
HLS or RTL decode step is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.executor import execute
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.models.config import Mamba2Config
from fpgaforge.quant.lightmamba.lower import state_pairs

HOST_HEAD = ("Embedding",)
"""Ops before the boundary that the host runs."""


@dataclass(frozen=True)
class DecodeSplit:
    """Host and hardware parts of a quantized decode step.

    token: the token input; embedding: the host's Embedding node; boundary: the FixedQuant
    node (real embedding row → codes); residual_in / residual_out: the value names of the
    codes entering and leaving the hardware; states: state input → state output names, in
    graph-input order; nodes: the hardware nodes in graph order; tail: the host nodes after
    it (FixedDequant, final norm, LM head)."""

    token: str
    embedding: Node
    boundary: Node
    residual_in: str
    residual_out: str
    states: dict[str, str]
    nodes: tuple[Node, ...]
    tail: tuple[Node, ...]


def _fail(graph: Graph, why: str) -> QuantizationError:
    return QuantizationError(
        f"Graph {graph.name!r} is not a LightMamba decode step the hardware can take: {why}."
    )


def decode_split(qgraph: Graph) -> DecodeSplit:
    """Cut the LightMamba-quantized decode step `qgraph` at the hardware boundary."""
    pairs = state_pairs(qgraph)
    tokens = [v.name for v in qgraph.inputs if v.name not in pairs]
    if not pairs or len(tokens) != 1:
        raise _fail(qgraph, "it needs one token input and state inputs paired with '<name>_out'")
    embeds = [n for n in qgraph.nodes if n.op == "Embedding"]
    if len(embeds) != 1 or embeds[0].inputs[0].name != tokens[0]:
        raise _fail(qgraph, "it needs one Embedding node reading the token")
    users = embeds[0].outputs[0].users
    if len(users) != 1 or users[0].op != "FixedQuant":
        raise _fail(qgraph, "the embedding row must go through one FixedQuant node")
    boundary = users[0]
    dequant = [n for n in qgraph.nodes if n.op == "FixedDequant"]
    if len(dequant) != 1:
        raise _fail(qgraph, "it needs one FixedDequant node (the final residual to the host)")
    order = {n.name: i for i, n in enumerate(qgraph.nodes)}
    cut = order[dequant[0].name]
    start = order[boundary.name]
    nodes = tuple(n for n in qgraph.nodes[start + 1 : cut])
    head = [n for n in qgraph.nodes[:start] if n.op not in HOST_HEAD]
    if head:
        raise _fail(qgraph, f"node {head[0].name!r} ({head[0].op}) runs before the embedding codes")
    return DecodeSplit(
        token=tokens[0],
        embedding=embeds[0],
        boundary=boundary,
        residual_in=boundary.outputs[0].name,
        residual_out=dequant[0].inputs[0].name,
        states=dict(pairs),
        nodes=nodes,
        tail=tuple(qgraph.nodes[cut:]),
    )


@dataclass(frozen=True)
class DecodeTrace:
    """Expected codes of a token sequence: per token (axis 0) the embedding row (float32,
    the host's lookup), the embedding codes, the final residual codes and every new state
    (by state output name), each flattened in C order."""

    tokens: np.ndarray
    embedding: np.ndarray
    residual_in: np.ndarray
    residual_out: np.ndarray
    states: dict[str, np.ndarray]

    @property
    def codes_per_token(self) -> int:
        """Codes a decode step writes per token (final residual and every new state)."""
        return self.residual_out.shape[1] + sum(s.shape[1] for s in self.states.values())


def decode_trace(qgraph: Graph, tokens: Sequence[int]) -> DecodeTrace:
    """Run the integer emulation of `qgraph` over `tokens`, the states carried from zero."""
    split = decode_split(qgraph)
    values = {v.name: v for v in qgraph.inputs}
    feeds = {k: np.zeros(values[k].shape, np.int64) for k in split.states}
    wanted = [split.embedding.outputs[0].name, split.residual_in, split.residual_out]
    wanted += list(split.states.values())
    rows: dict[str, list[np.ndarray]] = {name: [] for name in wanted}
    for token in tokens:
        out = execute(qgraph, {split.token: np.array([int(token)]), **feeds}, outputs=wanted)
        for name in wanted:
            rows[name].append(np.asarray(out[name]).reshape(-1))
        feeds = {k: np.asarray(out[v], np.int64) for k, v in split.states.items()}
    stack = {name: np.stack(r) if r else np.zeros((0, 0)) for name, r in rows.items()}
    return DecodeTrace(
        tokens=np.asarray(tokens, np.int64).reshape(-1),
        embedding=stack[wanted[0]].astype(np.float32),
        residual_in=stack[split.residual_in].astype(np.int64),
        residual_out=stack[split.residual_out].astype(np.int64),
        states={v: stack[v].astype(np.int64) for v in split.states.values()},
    )


def decode_config(qgraph: Graph) -> Mamba2Config:
    """The Mamba-2 shapes of a quantized decode step (for the decode-step cost models)."""
    split = decode_split(qgraph)
    table = split.embedding.inputs[1]
    ssm = [n for n in split.nodes if n.op == "IntSSMStep"]
    conv = [n for n in split.nodes if n.op == "IntConv1d"]
    if not ssm or not conv:
        raise _fail(qgraph, "it has no IntSSMStep or IntConv1d node")
    _, heads, headdim, d_state = ssm[0].inputs[4].shape
    groups = ssm[0].inputs[2].shape[1]
    d_model = table.shape[1]
    return Mamba2Config(
        d_model=d_model,
        n_layer=len(ssm),
        vocab_size=table.shape[0],
        d_state=d_state,
        d_conv=conv[0].inputs[4].shape[2] + 1,
        expand=heads * headdim // d_model,
        headdim=headdim,
        ngroups=groups,
        pad_vocab_size_multiple=1,
    )
