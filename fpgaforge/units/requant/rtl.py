"""RTL of the requant kit: the graph input's Quantize (the top's input stream) and stand-alone
Requant stages (`ff_rqstage`), plus the requant epilogue tables the MAC units share."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
    no_unit,
    take_first,
    type_bits,
)
from fpgaforge.units.rom import rq_words, signed_bits


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """The graph input's Quantize (first stage) or a stand-alone Requant as ff_rqstage."""
    ops = [n.op for n in nodes]
    if ops == ["Quantize"] and planner.input is None:
        open_input(planner, stage, nodes[0])
    else:
        take_first(planner, stage, nodes)
        if ops != ["Requant"]:
            raise no_unit(planner, stage, nodes)
        rqstage(planner, stage, nodes[0], relu=False, requant=nodes[0])
    planner.publish(stage)


def open_input(planner: Planner, stage: Any, node: Node) -> None:
    """The top's input: the Quantize's output codes, NHWC for a feature map, tokens × channels
    for a sequence, `pe` per beat."""
    y = node.outputs[0]
    width, signed = type_bits(y.dtype)
    shape = tuple(int(d) for d in y.shape)
    lanes = int(stage.folding.get("pe", 1))
    if len(shape) == 4:
        _, c, h, w = shape
        perm = np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)
        chw: tuple[int, int, int] | None = (c, h, w)
    elif len(shape) in (2, 3):
        # a vector, or a sequence streamed token by token (channels fastest, as in HLS)
        perm, chw = np.arange(int(np.prod(shape[1:]))), None
    else:
        raise planner.fail(stage, f"input of shape {shape} (need N×C, N×T×C or N×C×H×W)")
    if len(perm) % lanes:
        lanes = 1
    planner.open_input(Stream(lanes, width, signed, perm, chw), y.name)


def requant_params(node: Node, channels: int) -> tuple[list[int], list[int]]:
    """Per-channel multipliers and shifts of a Requant node (scalars repeated)."""
    mult, shift = node.attrs["multiplier"], node.attrs["shift"]
    mults = list(mult) if isinstance(mult, tuple) else [mult] * channels
    shifts = list(shift) if isinstance(shift, tuple) else [shift] * channels
    return [int(m) for m in mults], [int(s) for s in shifts]


def rq_common(node: Node | None, channels: int, lanes: int) -> tuple[dict[str, Any], list[str]]:
    """Parameters and ROM words of a requant epilogue (RQ_EN = 0 without a Requant node)."""
    if node is None:
        return {"RQ_EN": 0, "MULT_W": 2, "SHIFT_W": 2, "ROUNDING": 0, "OVERFLOW": 0}, ["0"] * max(
            channels // lanes, 1
        )
    mults, shifts = requant_params(node, channels)
    mult_w, shift_w = signed_bits(mults), max(signed_bits(shifts), 8)
    ow, osg = type_bits(node.attrs["to"])
    params = {
        "RQ_EN": 1,
        "MULT_W": mult_w,
        "SHIFT_W": shift_w,
        "OUT_W": ow,
        "OUT_SIGNED": int(osg),
        "ROUNDING": ROUNDING_CODES[str(node.attrs["rounding"].value)],
        "OVERFLOW": OVERFLOW_CODES[str(node.attrs["overflow"].value)],
    }
    return params, rq_words(mults, shifts, lanes, mult_w, shift_w)


def rqstage(
    planner: Planner,
    stage: Any,
    node: Node,
    *,
    relu: bool,
    requant: Node | None,
    lanes: int | None = None,
) -> None:
    """An ff_rqstage on the current stream: `requant`'s multiply-shift-saturate per channel
    and/or a ReLU (`requant` None: ReLU only)."""
    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    axis = int(node.attrs.get("axis", 1)) if requant is not None else 1
    shape = tuple(int(d) for d in node.inputs[0].shape)
    channels = shape[axis] if len(shape) > axis else 1
    per_channel = requant is not None and (
        isinstance(requant.attrs["multiplier"], tuple) or isinstance(requant.attrs["shift"], tuple)
    )
    if per_channel and s.chw is None and len(shape) != 2:
        raise planner.fail(stage, "per-channel requant on an unknown layout")
    if lanes is None:
        lanes = int(stage.folding.get("pe", 1))
    if channels % lanes:
        lanes = 1
    planner.connect(lanes, stage)
    rq_channels = channels if per_channel else lanes
    params, words = rq_common(requant, rq_channels, lanes)
    if requant is None:
        params.update({"OUT_W": s.width, "OUT_SIGNED": int(s.signed)})
        out_w, out_signed = s.width, s.signed
    else:
        out_w, out_signed = type_bits(requant.attrs["to"])
    name = f"mem/s{len(planner.units):02d}_q.hex"
    planner.add(
        Instance(
            "ff_rqstage",
            planner.names.claim(stage.name, prefix="u"),
            {
                "IN_W": s.width,
                "IN_SIGNED": int(s.signed),
                "C": rq_channels,
                "LANES": lanes,
                "RELU": int(relu),
                **params,
                "RQ_FILE": name,
            },
            lanes,
            s.width,
            lanes,
            out_w,
            stage.name,
            comment(f"requant {stage.name}"),
            {name: words},
        )
    )
    planner.stream = Stream(lanes, out_w, out_signed, s.perm, s.chw, s.depth)
    planner.value = node.outputs[0].name
