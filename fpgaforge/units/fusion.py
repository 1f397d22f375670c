"""What stage matching shares: graph helpers, the fused chain behind a MAC anchor, `StageMatch`.

Fusion rules (applied in node order by `fpgaforge.dataflow.stages`; a node joins the
stage before it only when it is the single user of that stage's output and that output
is not a graph output):

- anchor: Conv, DepthwiseConv, Dense, MatMul (a MAC array; the `accumulating` kits)
- + bias: Add/Sub of a constant that broadcasts along the channel axis
- + scale: Mul by a constant, Affine (unfolded BatchNorm) → requantization multiplier + bias
- + Requant (the quantizer's accumulator → narrower type)
- + activation: relu / clip (comparators), other functions (a lookup table)
- + pooling behind a Conv (non-overlapping max pooling, kernel == stride)

Channel axis: 1 for rank ≥ 3 (NC…), the last axis otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.units.cost.precision import NodePrecision, node_precision, value_bits
from fpgaforge.units.cost.template import Epilogue, Template
from fpgaforge.units.tiled_gemm.cost import TiledVectorLayer

CHEAP_ACTIVATIONS = {"relu": "relu", "clip": "clip"}
"""Activation functions done by comparators (no table), by the name of their epilogue."""


@dataclass(frozen=True)
class StageMatch:
    """What a kit's `match` found: the nodes of one stage (the matched node first) and the
    stage's templates in both styles (streaming: its own unit; tiled: on the shared engine)."""

    nodes: tuple[Node, ...]
    streaming: Template
    tiled: Template


def channels_of(value: Value) -> int:
    """The channel count of an activation (axis 1 for rank ≥ 3, else the last axis)."""
    if not value.shape:
        return 1
    return int(value.shape[1] if value.rank >= 3 else value.shape[-1])


def spatial_of(value: Value) -> tuple[int, int]:
    """(H, W) of an N×C×spatial activation; 1-D gives (1, L), 3-D folds D into H."""
    spatial = value.shape[2:] if value.rank >= 3 else ()
    if not spatial:
        return 1, 1
    if len(spatial) == 1:
        return 1, int(spatial[0])
    return int(np.prod(spatial[:-1])), int(spatial[-1])


def activations(node: Node) -> list[Value]:
    """The node's non-constant inputs."""
    return [v for v in node.inputs if v is not None and not v.is_constant]


def first_activation(node: Node) -> Value:
    """The node's first non-constant input (its first input when all are constant)."""
    acts = activations(node)
    return acts[0] if acts else node.inputs[0]


def single_user(value: Value, graph: Graph) -> Node | None:
    """The one node reading `value`, or None when several do or it is a graph output."""
    if len(value.users) != 1 or any(value is o for o in graph.outputs):
        return None
    return value.users[0]


def is_channel_constant(node: Node, channels: int) -> bool:
    """True when `node` combines one activation with one constant of 1 or `channels` values."""
    consts = [v for v in node.inputs if v is not None and v.is_constant]
    if len(consts) != 1 or len(activations(node)) != 1:
        return False
    c = consts[0]
    return c.size in (1, channels) and (c.size == 1 or max(c.shape) == channels)


def requant_params(node: Node) -> tuple[int, bool, bool]:
    """(multiplier bits, power_of_two, per_channel) of a Requant node from its `multiplier`
    attribute (int or per-channel tuple; 1 or powers of two are shifts only); another
    quantizer op is costed as a 16-bit per-tensor multiplier."""
    mult = node.attrs.get("multiplier") if node.op == "Requant" else None
    if mult is None:
        return 16, False, False
    values = [abs(int(m)) for m in (mult if isinstance(mult, (tuple, list)) else (mult,))]
    pot = all(v & (v - 1) == 0 for v in values)
    bits = max(v.bit_length() for v in values) + 1
    return (0 if pot else bits), pot, len(values) > 1


def _fusable_pool(anchor: Node, user: Node) -> bool:
    """Non-overlapping square 2-D max pooling right behind a Conv (the conv unit pools it)."""
    return (
        anchor.op == "Conv"
        and user.attrs.get("kind") == "max"
        and tuple(user.attrs.get("strides") or ()) == tuple(user.attrs["kernel"])
        and not any(user.attrs.get("pads") or ())
        and len(user.attrs["kernel"]) == 2
        and user.attrs["kernel"][0] == user.attrs["kernel"][1]
    )


def fuse_chain(anchor: Node, graph: Graph) -> tuple[list[Node], Epilogue, Node | None]:
    """Nodes fused behind `anchor`, its epilogue, and a fused pooling node (Conv only)."""
    fused: list[Node] = []
    bias = anchor.op in ("Conv", "DepthwiseConv", "Dense") and anchor.input(2) is not None
    requant = False
    power_of_two = True
    mult_bits = 0
    activation = "none"
    pool: Node | None = None
    value = anchor.outputs[0]
    channels = channels_of(value)
    while True:
        user = single_user(value, graph)
        if user is None:
            break
        op = user.op
        if (
            activation == "none"
            and pool is None
            and op in ("Add", "Sub")
            and is_channel_constant(user, channels)
        ):
            bias = True
        elif (
            activation == "none"
            and pool is None
            and (op == "Affine" or op == "Mul" and is_channel_constant(user, channels))
        ):
            requant = True
            bias = bias or op == "Affine"
            power_of_two = False
            mult_bits = max(mult_bits, 16)
        elif op == "Requant" and pool is None:
            requant = True
            bits, pot, _ = requant_params(user)
            power_of_two = power_of_two and pot
            mult_bits = max(mult_bits, bits)
        elif op == "Activation" and activation == "none" and pool is None:
            func = user.attrs.get("func")
            activation = CHEAP_ACTIVATIONS.get(func, "lut")
        elif op == "Pool" and pool is None and _fusable_pool(anchor, user):
            pool = user
        else:
            break
        fused.append(user)
        value = user.outputs[0]
    epilogue = Epilogue(
        bias=bias,
        activation=activation,
        requant=requant,
        power_of_two=requant and power_of_two,
        mult_bits=mult_bits or 16,
    )
    return fused, epilogue, pool


@dataclass(frozen=True)
class AnchorChain:
    """A MAC anchor with its fused chain: what the anchor kits' `match` functions share."""

    anchor: Node
    fused: tuple[Node, ...]
    epilogue: Epilogue
    pool: Node | None
    precision: NodePrecision
    x: Value
    y: Value
    last: Value

    @property
    def nodes(self) -> tuple[Node, ...]:
        return (self.anchor, *self.fused)

    def widths(self) -> dict[str, int]:
        """weight_bits, act_bits, acc_bits and out_bits of the stage (template fields)."""
        return {
            "weight_bits": self.precision.weight_bits,
            "act_bits": self.precision.act_bits,
            "acc_bits": self.precision.acc_bits,
            "out_bits": value_bits(self.last).bits,
        }


def anchor_chain(anchor: Node, graph: Graph) -> AnchorChain:
    """`anchor` and the nodes fused behind it (see the module docstring)."""
    fused, epilogue, pool = fuse_chain(anchor, graph)
    last = (fused[-1] if fused else anchor).outputs[0]
    return AnchorChain(
        anchor=anchor,
        fused=tuple(fused),
        epilogue=epilogue,
        pool=pool,
        precision=node_precision(anchor),
        x=first_activation(anchor),
        y=anchor.outputs[0],
        last=last,
    )


def window_geometry(anchor: Node, rank: int) -> dict[str, tuple[int, int]]:
    """`stride` and leading `pads` (rows, columns) of a 2-D convolution; {} otherwise."""
    if rank != 2:
        return {}
    strides = tuple(int(v) for v in (anchor.attrs.get("strides") or (1, 1)))
    pads = tuple(int(v) for v in (anchor.attrs.get("pads") or (0, 0, 0, 0)))
    return {"stride": (strides[0], strides[1]), "pads": (pads[0], pads[1])}


def is_depthwise(node: Node) -> bool:
    """A DepthwiseConv, or a Conv with one group per input channel."""
    if node.op == "DepthwiseConv":
        return True
    if node.op != "Conv":
        return False
    group = int(node.attrs.get("group", 1))
    return group == int(first_activation(node).shape[1]) and group > 1


def vector_layer(node: Node, ops: int, *, name: str | None = None, macs: int = 0) -> Template:
    """The tiled-style template of a non-MAC node: `ops` operations on the engine's vector
    unit, reading the node's activations and writing its first output."""
    y = node.outputs[0]
    bits = value_bits(first_activation(node)).bits
    return TiledVectorLayer(
        op=name or node.op.lower(),
        ops=ops,
        in_elements=sum(v.size for v in activations(node)),
        out_elements=y.size,
        bits=max(bits, value_bits(y).bits),
        macs_=macs,
    )
