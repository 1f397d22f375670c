"""RTL of the depthwise kit: a depthwise Conv (group == channels, `multiplier` filters per
channel) as an input FIFO (`ff_fifo`), a sliding window in depthwise order (`ff_swu`) and a
vector-vector MAC unit (`ff_vvau`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.conv.rtl import input_fifo
from fpgaforge.units.depthwise.cost import window_lanes
from fpgaforge.units.mvau.rtl import FUSED_AFTER, epilogue, extra_requants, mac_common
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, no_unit, take_first
from fpgaforge.units.rom import hex_word


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A depthwise Conv with its fused epilogue as ff_fifo -> ff_swu -> ff_vvau."""
    take_first(planner, stage, nodes)
    if nodes[0].op not in ("Conv", "DepthwiseConv"):
        raise no_unit(planner, stage, nodes)
    anchor = nodes[0]
    planner.check_input(anchor, stage)
    relu, rq, rest = epilogue(nodes)
    if any(n.op not in FUSED_AFTER for n in rest):
        raise planner.fail(stage, f"fused ops {[n.op for n in rest]} after depthwise Conv")
    geo = geometry(planner, stage, anchor)
    s = planner.stream
    assert s is not None
    pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
    taps = geo["KH"] * geo["KW"]
    if geo["CH"] % pe or taps % simd:
        raise planner.fail(stage, f"PE {pe} / SIMD {simd} must divide {geo['CH']} x {taps}")
    in_n = window_lanes(geo["C"], pe)
    planner.connect(in_n, stage)
    input_fifo(planner, stage, in_n, geo["H"] * geo["W"] * geo["C"] // in_n)
    swu = {k: geo[k] for k in ("C", "H", "W", "KH", "KW", "SH", "SW", "PT", "PL", "OH", "OW")}
    planner.add(
        Instance(
            "ff_swu",
            planner.names.claim(f"swu_{stage.name}", prefix="u"),
            {
                "EW": s.width,
                **swu,
                "IN_N": in_n,
                "SIMD": pe * simd,
                "DW_PE": pe,
                "DW_M": geo["M"],
            },
            in_n,
            s.width,
            pe * simd,
            s.width,
            stage.name,
            comment(f"depthwise sliding window {stage.name}"),
        )
    )
    out_w, out_signed = vvau(planner, stage, anchor, relu, rq, pe, simd)
    cout, oh, ow = geo["CH"], geo["OH"], geo["OW"]
    perm = np.arange(cout * oh * ow).reshape(cout, oh, ow).transpose(1, 2, 0).reshape(-1)
    planner.stream = Stream(pe, out_w, out_signed, perm, (cout, oh, ow), s.depth + 1)
    planner.value = [n for n in nodes if n not in rest][-1].outputs[0].name
    extra_requants(planner, stage, rest)
    planner.publish(stage)


def geometry(planner: Planner, stage: Any, anchor: Node) -> dict[str, int]:
    """ff_swu / ff_vvau geometry of a depthwise Conv; one-sentence errors for what the
    window generator cannot do."""
    s = planner.stream
    assert s is not None
    if s.chw is None:
        raise planner.fail(stage, f"node {anchor.name!r} reads no feature map")
    weights = anchor.inputs[1].const
    if weights.ndim != 4:
        raise planner.fail(stage, f"node {anchor.name!r} is not a 2-D depthwise convolution")
    if tuple(int(v) for v in (anchor.attrs.get("dilations") or (1, 1))) != (1, 1):
        raise planner.fail(stage, f"node {anchor.name!r} is a dilated depthwise convolution")
    c, h, w = s.chw
    cout, cin_g, kh, kw = (int(d) for d in weights.shape)
    if int(anchor.attrs.get("group", 1)) != c or cin_g != 1 or cout % c:
        raise planner.fail(stage, f"node {anchor.name!r} is not depthwise (group == channels)")
    sh, sw = (int(v) for v in (anchor.attrs.get("strides") or (1, 1)))
    pads = tuple(int(v) for v in (anchor.attrs.get("pads") or (0, 0, 0, 0)))
    oh, ow = (int(d) for d in anchor.outputs[0].shape[2:])
    fits = (
        (h + pads[0] + pads[2] - kh) // max(sh, 1) + 1,
        (w + pads[1] + pads[3] - kw) // max(sw, 1) + 1,
    )
    if min(sh, sw) < 1 or min(pads) < 0 or fits != (oh, ow):
        raise planner.fail(
            stage,
            f"node {anchor.name!r} has strides {(sh, sw)} and pads {pads} the window"
            " generator cannot do",
        )
    return {
        "C": c, "M": cout // c, "CH": cout, "H": h, "W": w, "KH": kh, "KW": kw,
        "SH": sh, "SW": sw, "PT": pads[0], "PL": pads[1], "OH": oh, "OW": ow,
    }  # fmt: skip


def vvau(
    planner: Planner, stage: Any, anchor: Node, relu: bool, rq: Node | None, pe: int, simd: int
) -> tuple[int, bool]:
    """The ff_vvau unit of a depthwise Conv, fed by the current (window) stream; returns
    its output width and signedness."""
    s = planner.stream
    assert s is not None
    weights = anchor.inputs[1].const.astype(np.int64)
    cout, taps = int(weights.shape[0]), int(weights.shape[2] * weights.shape[3])
    params, bias_words, rq_words, out_w, _, out_signed = mac_common(anchor, relu, rq, pe)
    flat = weights.reshape(cout, taps)
    words = [
        hex_word(
            [int(flat[g * pe + p, f * simd + t]) for t in range(simd) for p in range(pe)],
            params["WT_W"],
        )
        for g in range(cout // pe)
        for f in range(taps // simd)
    ]
    base = f"mem/s{len(planner.units):02d}"
    inst = planner.names.claim(stage.name, prefix="u")
    planner.add(
        Instance(
            "ff_vvau",
            inst,
            {
                "CH": cout,
                "K": taps,
                "PE": pe,
                "SIMD": simd,
                "IN_W": s.width,
                "IN_SIGNED": int(s.signed),
                "WT_SIGNED": 1,
                **params,
                "WEIGHT_FILE": f"{base}_w.hex",
                "BIAS_FILE": f"{base}_b.hex",
                "RQ_FILE": f"{base}_q.hex",
            },
            pe * simd,
            s.width,
            pe,
            out_w,
            stage.name,
            comment(f"depthwise MAC array {stage.name}"),
            {f"{base}_w.hex": words, f"{base}_b.hex": bias_words, f"{base}_q.hex": rq_words},
            burst=cout // pe if taps == simd else 0,
        )
    )
    return out_w, out_signed
