"""From graph nodes to stages: fusion, and one streaming and one tiled template per stage.

Fusion rules (applied in node order; a node joins the stage before it only when
it is the single user of that stage's output and that output is not a graph output):

- anchor: Conv, DepthwiseConv, Dense, MatMul (a MAC array)
- + bias: Add/Sub of a constant that broadcasts along the channel axis
- + scale: Mul by a constant, Affine (unfolded BatchNorm) → requantization multiplier + bias
- + Requant (the quantizer's accumulator → narrower type)
- + activation: relu / clip (comparators), other functions (a lookup table)
- + pooling behind a Conv (non-overlapping max pooling, kernel == stride)

Everything else is a stage of its own. Channel axis: 1 for rank ≥ 3 (NC…), the
last axis otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fpgaforge.dataflow.errors import ScheduleError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.units.conv.cost import ConvSWU
from fpgaforge.units.cost.precision import node_precision, value_bits
from fpgaforge.units.cost.template import Epilogue, Template
from fpgaforge.units.depthwise.cost import DepthwiseVVAU
from fpgaforge.units.eltwise.cost import Eltwise
from fpgaforge.units.lutact.cost import LutActivation
from fpgaforge.units.mvau.cost import MVAU
from fpgaforge.units.pool.cost import Pool
from fpgaforge.units.requant.cost import Requant
from fpgaforge.units.softmax_norm.cost import SoftmaxNorm
from fpgaforge.units.sparse_gemm.cost import SparseGemm
from fpgaforge.units.stream.cost import BUFFERED_OPS, FREE_OPS, StreamOp
from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer, TiledVectorLayer

ANCHORS = ("Conv", "DepthwiseConv", "Dense", "MatMul")
CHEAP_ACTIVATIONS = {"relu": "relu", "clip": "clip"}
QUANT_OPS = (
    "Requant",
    "Quantize",
    "QuantizeLinear",
    "DequantizeLinear",
    "Quant",
    "Trunc",
    "BipolarQuant",
)
ROUTING_OPS = ("Concat", "Split", "Slice", "Pad")
BINARY = {"Add": "add", "Sub": "sub", "Max": "max", "Min": "min", "Mul": "mul"}


@dataclass
class StageSpec:
    """One stage: the nodes it fuses and its templates in both styles (default folding).

    name: the anchor node's name; nodes: fused node names in order; inputs: names of the
    stages feeding it; streaming / tiled: templates; out_elements: elements of its output.
    """

    name: str
    nodes: tuple[str, ...]
    streaming: Template
    tiled: Template
    inputs: tuple[str, ...] = ()
    out_elements: int = 0
    ops: tuple[str, ...] = field(default=())


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


def _activations(node: Node) -> list[Value]:
    return [v for v in node.inputs if v is not None and not v.is_constant]


def _single_user(value: Value, graph: Graph) -> Node | None:
    if len(value.users) != 1 or any(value is o for o in graph.outputs):
        return None
    return value.users[0]


def _is_channel_constant(node: Node, channels: int) -> bool:
    consts = [v for v in node.inputs if v is not None and v.is_constant]
    if len(consts) != 1 or len(_activations(node)) != 1:
        return False
    c = consts[0]
    return c.size in (1, channels) and (c.size == 1 or max(c.shape) == channels)


def requant_params(node: Node) -> tuple[int, bool, bool]:
    """(multiplier bits, power_of_two, per_channel) of a Requant node from its `multiplier`
    attribute (int or per-channel tuple; 1 or powers of two are shifts only) or annotations."""
    mult = node.attrs.get("multiplier") if node.op == "Requant" else None
    if mult is None:
        pot = bool(node.annotations.get("power_of_two"))
        return (0 if pot else 16), pot, bool(node.annotations.get("per_channel", False))
    values = [abs(int(m)) for m in (mult if isinstance(mult, (tuple, list)) else (mult,))]
    pot = all(v & (v - 1) == 0 for v in values)
    bits = max(v.bit_length() for v in values) + 1
    return (0 if pot else bits), pot, len(values) > 1


def _fuse_chain(anchor: Node, graph: Graph) -> tuple[list[Node], Epilogue, Node | None]:
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
        user = _single_user(value, graph)
        if user is None:
            break
        op = user.op
        if (
            activation == "none"
            and pool is None
            and op in ("Add", "Sub")
            and _is_channel_constant(user, channels)
        ):
            bias = True
        elif (
            activation == "none"
            and pool is None
            and (op == "Affine" or op == "Mul" and _is_channel_constant(user, channels))
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
        elif (
            op == "Pool"
            and anchor.op == "Conv"
            and pool is None
            and user.attrs.get("kind") == "max"
            and tuple(user.attrs.get("strides") or ()) == tuple(user.attrs["kernel"])
            and not any(user.attrs.get("pads") or ())
            and len(user.attrs["kernel"]) == 2
            and user.attrs["kernel"][0] == user.attrs["kernel"][1]
        ):
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


def _window_geometry(anchor: Node, rank: int) -> dict[str, tuple[int, int]]:
    """`stride` and leading `pads` (rows, columns) of a 2-D convolution; {} otherwise."""
    if rank != 2:
        return {}
    strides = tuple(int(v) for v in (anchor.attrs.get("strides") or (1, 1)))
    pads = tuple(int(v) for v in (anchor.attrs.get("pads") or (0, 0, 0, 0)))
    return {"stride": (strides[0], strides[1]), "pads": (pads[0], pads[1])}


def _stage_for_anchor(
    anchor: Node, graph: Graph, batch: int
) -> tuple[list[Node], Template, Template]:
    fused, epilogue, pool = _fuse_chain(anchor, graph)
    last = (fused[-1] if fused else anchor).outputs[0]
    prec = node_precision(anchor)
    out_bits = value_bits(last).bits
    x = _activations(anchor)[0] if _activations(anchor) else anchor.inputs[0]
    y = anchor.outputs[0]
    common = dict(
        weight_bits=prec.weight_bits,
        act_bits=prec.act_bits,
        acc_bits=prec.acc_bits,
        out_bits=out_bits,
    )
    if anchor.op in ("Conv", "DepthwiseConv"):
        w = anchor.inputs[1]
        group = int(anchor.attrs.get("group", 1))
        cin, cout = int(x.shape[1]), int(w.shape[0])
        in_h, in_w = spatial_of(x)
        out_h, out_w = spatial_of(y)
        kernel = tuple(int(k) for k in w.shape[2:]) or (1,)
        kh = int(np.prod(kernel[:-1])) if len(kernel) > 1 else 1
        kw = int(kernel[-1])
        tiled = TiledGemmLayer(
            m=out_h * out_w * batch,
            k=(cin // group) * kh * kw,
            n=cout // group,
            groups=group,
            in_elements=x.size,
            out_elements=last.size,
            **common,
        )
        if anchor.op == "DepthwiseConv" or (group == cin and group > 1):
            stream = DepthwiseVVAU(
                channels=cin,
                multiplier=cout // cin,
                in_h=in_h,
                in_w=in_w,
                kh=kh,
                kw=kw,
                out_h=out_h,
                out_w=out_w,
                batch=batch,
                shift_add=prec.shift_add,
                k_hot=prec.k_hot,
                epilogue=epilogue,
                **_window_geometry(anchor, len(kernel)),
                **common,
            )
            macs = cout * kh * kw * out_h * out_w * batch
            tiled = TiledVectorLayer(
                op="depthwise",
                ops=macs,
                in_elements=x.size,
                out_elements=last.size,
                bits=max(prec.act_bits, prec.weight_bits),
                macs_=macs,
            )
            return fused, stream, tiled
        pool_k = int(pool.attrs["kernel"][0]) if pool is not None else 0
        ph, pw = spatial_of(pool.outputs[0]) if pool is not None else (0, 0)
        stream = ConvSWU(
            cin=cin,
            cout=cout,
            in_h=in_h,
            in_w=in_w,
            kh=kh,
            kw=kw,
            out_h=out_h,
            out_w=out_w,
            groups=group,
            batch=batch,
            shift_add=prec.shift_add,
            k_hot=prec.k_hot,
            pool_k=pool_k,
            pool_out_h=ph,
            pool_out_w=pw,
            epilogue=epilogue,
            **common,
        )
        return fused, stream, tiled
    # Dense / MatMul
    mw = int(x.shape[-1]) if x.shape else 1
    mh = int(y.shape[-1]) if y.shape else 1
    vectors = max(1, y.size // max(mh, 1))
    tiled = TiledGemmLayer(
        m=vectors, k=mw, n=mh, groups=1, in_elements=x.size, out_elements=last.size, **common
    )
    sparsity = anchor.annotations.get("nm_sparsity")
    if sparsity:
        n, m = (int(v) for v in sparsity)
        stream: Template = SparseGemm(
            mh=mh, mw=mw, vectors=vectors, n=n, m=m, epilogue=epilogue, **common
        )
    else:
        stream = MVAU(
            mh=mh,
            mw=mw,
            vectors=vectors,
            shift_add=prec.shift_add,
            k_hot=prec.k_hot,
            epilogue=epilogue,
            **common,
        )
    return fused, stream, tiled


def _stage_for_other(node: Node, batch: int) -> tuple[Template, Template]:
    x = _activations(node)[0] if _activations(node) else node.inputs[0]
    y = node.outputs[0]
    bits = value_bits(x).bits
    out_bits = value_bits(y).bits
    channels = channels_of(y)
    n = y.size
    op = node.op

    def vector(ops: int, *, name: str | None = None, macs: int = 0) -> TiledVectorLayer:
        return TiledVectorLayer(
            op=name or op.lower(),
            ops=ops,
            in_elements=sum(v.size for v in _activations(node)),
            out_elements=n,
            bits=max(bits, out_bits),
            macs_=macs,
        )

    if op in BINARY or op == "Affine" or op == "PRelu":
        acts = _activations(node)
        consts = [v for v in node.inputs if v is not None and v.is_constant]
        kind = (
            "affine"
            if op == "Affine"
            else "mul"
            if op in ("Mul", "PRelu")
            else BINARY.get(op, "add")
        )
        param_bits = value_bits(consts[0]).bits if consts and consts[0].size > 1 else 0
        stream = Eltwise(
            op=kind,
            elements=n,
            channels=channels,
            bits=max(bits, out_bits),
            inputs=max(1, len(acts)),
            param_bits=param_bits,
        )
        return stream, vector(n, macs=n if kind in ("mul", "affine") else 0)
    if op in ("Div", "Pow"):
        stream = LutActivation(
            func=op.lower(), elements=n, channels=channels, in_bits=bits, out_bits=out_bits
        )
        return stream, vector(n)
    if op == "Activation":
        func = node.attrs.get("func")
        if func in CHEAP_ACTIVATIONS:
            return Eltwise(op=func, elements=n, channels=channels, bits=bits), vector(n)
        return LutActivation(
            func=func, elements=n, channels=channels, in_bits=bits, out_bits=out_bits
        ), vector(n)
    if op in ("Pool", "GlobalPool"):
        in_h, in_w = spatial_of(x)
        out_h, out_w = spatial_of(y)
        is_global = op == "GlobalPool"
        kernel = (in_h, in_w) if is_global else tuple(node.attrs["kernel"])
        kh = int(np.prod(kernel[:-1])) if len(kernel) > 1 else 1
        kw = int(kernel[-1])
        stream = Pool(
            channels=int(x.shape[1]),
            in_h=in_h,
            in_w=in_w,
            kh=kh,
            kw=kw,
            out_h=out_h,
            out_w=out_w,
            batch=batch,
            bits=bits,
            pool_kind=node.attrs.get("kind", "max"),
            is_global=is_global,
        )
        return stream, vector(max(x.size, n * kh * kw))
    if op in ("Softmax", "LayerNorm", "Reduce", "LRN"):
        kind = {"Softmax": "softmax", "LayerNorm": "layernorm", "Reduce": "reduce", "LRN": "lrn"}[
            op
        ]
        axis = int(node.attrs.get("axis", -1) or -1) if op in ("Softmax", "LayerNorm") else -1
        row_len = int(x.shape[axis]) if x.shape else 1
        if op == "LRN":
            row_len = int(x.shape[1])
        if op == "Reduce":
            row_len = max(1, x.size // max(y.size, 1))
        rows = max(1, x.size // max(row_len, 1))
        passes = {"softmax": 3, "layernorm": 2, "reduce": 1, "lrn": 2}[kind]
        return SoftmaxNorm(op=kind, rows=rows, row_len=row_len, bits=bits), vector(passes * x.size)
    if op in QUANT_OPS:
        in_bits = bits
        mult_bits, _, per_channel = requant_params(node)
        stream = Requant(
            elements=n,
            channels=channels,
            in_bits=in_bits,
            out_bits=out_bits,
            mult_bits=mult_bits,
            per_channel=per_channel,
        )
        return stream, vector(n)
    if op in FREE_OPS or op in BUFFERED_OPS or op in ROUTING_OPS:
        kind = op if op in FREE_OPS + BUFFERED_OPS else "Route"
        stream = StreamOp(op=kind, elements=n, bits=out_bits)
        return stream, vector(0 if op in FREE_OPS else n)
    raise ScheduleError(
        f"The dataflow scheduler has no hardware template for {node.where()}; supported ops: "
        f"{', '.join(sorted(set(ANCHORS) | set(BINARY) | {'Affine', 'Activation', 'Pool', 'GlobalPool', 'Softmax', 'LayerNorm', 'Reduce', 'LRN', 'Requant'} | set(FREE_OPS) | set(BUFFERED_OPS) | set(ROUTING_OPS)))}."
    )


def lower(graph: Graph) -> list[StageSpec]:
    """The graph's stages in topological order, with fusion applied."""
    batch = graph.static_batch
    producer_stage: dict[int, str] = {}
    consumed: set[int] = set()
    stages: list[StageSpec] = []
    for node in graph.nodes:
        if id(node) in consumed:
            continue
        if node.op in ANCHORS:
            fused, stream, tiled = _stage_for_anchor(node, graph, batch)
        else:
            fused = []
            stream, tiled = _stage_for_other(node, batch)
        members = [node, *fused]
        for member in fused:
            consumed.add(id(member))
        inputs = []
        for member in members:
            for value in member.inputs:
                if value is not None and id(value) in producer_stage:
                    stage = producer_stage[id(value)]
                    if stage not in inputs and stage != node.name:
                        inputs.append(stage)
        for member in members:
            for value in member.outputs:
                producer_stage[id(value)] = node.name
        stages.append(
            StageSpec(
                name=node.name,
                nodes=tuple(m.name for m in members),
                streaming=stream,
                tiled=tiled,
                inputs=tuple(inputs),
                out_elements=members[-1].outputs[0].size,
                ops=tuple(m.op for m in members),
            )
        )
    return stages
