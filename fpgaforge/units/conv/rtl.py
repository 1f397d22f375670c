"""RTL of the conv kit: a 2-D convolution as an input FIFO (`ff_fifo`), a sliding window
(`ff_swu`, im2col order) and an `ff_mvau`, with an optional max pool fused behind it.

The window streams its taps in (ky, kx, c) order, channels fastest, so the weight matrix's
columns are the ONNX weight [cout, c, ky, kx] transposed to [cout, ky, kx, c]. An N:M
convolution (groups of M input channels at each kernel position, as the format and the SAT
masks form them, M dividing the channel count) keeps its groups as M consecutive columns of
that matrix, and runs on `ff_sparse_mvau` with SIMD a multiple of M."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.conv.match import sparse_pattern
from fpgaforge.units.mvau.rtl import FUSED_AFTER, epilogue, extra_requants, mvau
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, no_unit, take_first
from fpgaforge.units.pool.rtl import pool
from fpgaforge.units.sparse_gemm.rtl import layer_pattern, sparse_mvau


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A Conv with its fused epilogue (and pool) as ff_fifo -> ff_swu -> ff_mvau [-> ff_pool]."""
    take_first(planner, stage, nodes)
    if nodes[0].op != "Conv":
        raise no_unit(planner, stage, nodes)
    anchor = nodes[0]
    planner.check_input(anchor, stage)
    fused_pool = nodes[-1] if nodes[-1].op in ("Pool", "GlobalPool") else None
    body = nodes[:-1] if fused_pool is not None else nodes
    relu, rq, rest = epilogue(body)
    if any(n.op not in FUSED_AFTER for n in rest):
        raise planner.fail(stage, f"fused ops {[n.op for n in rest]} after Conv")
    s = planner.stream
    assert s is not None
    if s.chw is None:
        raise planner.fail(
            stage,
            "the input is not a (C, H, W) feature map; write the convolution as a 2-D one "
            "(e.g. a 1-D Conv as Conv2d with a (1, k) kernel on a (N, C, 1, L) input)",
        )
    if int(anchor.attrs.get("group", 1)) != 1:
        raise planner.fail(stage, "grouped convolution")
    if tuple(anchor.attrs.get("dilations") or (1, 1)) != (1, 1):
        raise planner.fail(stage, "dilated convolution")
    weights = anchor.inputs[1].const.astype(np.int64)
    if weights.ndim != 4:
        raise planner.fail(stage, "only 2-D convolutions")
    cout, cin, kh, kw = weights.shape
    c, h, w = s.chw
    oh, ow = (int(d) for d in anchor.outputs[0].shape[2:])
    sh, sw = (int(v) for v in (anchor.attrs.get("strides") or (1, 1)))
    pads = tuple(int(v) for v in (anchor.attrs.get("pads") or (0, 0, 0, 0)))
    pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
    mw = kh * kw * cin
    if cout % pe or mw % simd:
        raise planner.fail(stage, f"PE {pe} / SIMD {simd} must divide {cout} x {mw}")
    in_n = min(simd, cin)
    if cin % in_n:
        raise planner.fail(stage, f"{cin} channels cannot be read {in_n} per beat")
    planner.connect(in_n, stage)
    input_fifo(planner, stage, in_n, h * w * cin // in_n)
    base = f"s{len(planner.units):02d}"
    planner.add(
        Instance(
            "ff_swu",
            planner.names.claim(f"swu_{stage.name}", prefix="u"),
            {
                "EW": s.width,
                "C": cin,
                "H": h,
                "W": w,
                "KH": kh,
                "KW": kw,
                "SH": sh,
                "SW": sw,
                "PT": pads[0],
                "PL": pads[1],
                "OH": oh,
                "OW": ow,
                "IN_N": in_n,
                "SIMD": simd,
            },
            in_n,
            s.width,
            simd,
            s.width,
            stage.name,
            comment(f"sliding window {stage.name}"),
        )
    )
    matrix = weights.transpose(0, 2, 3, 1).reshape(cout, mw)
    if sparse_pattern(anchor, cin)[1]:
        pattern = layer_pattern(planner, stage, anchor)
        out_w, out_signed, _ = sparse_mvau(
            planner, stage, anchor, relu, rq, matrix, pattern, pe, simd, "conv N:M MAC array"
        )
    else:
        out_w, out_signed, _ = mvau(
            planner, stage, anchor, relu, rq, matrix, pe, simd, f"conv MAC array {stage.name}", base
        )
    perm = np.arange(cout * oh * ow).reshape(cout, oh, ow).transpose(1, 2, 0).reshape(-1)
    planner.stream = Stream(pe, out_w, out_signed, perm, (cout, oh, ow), s.depth + 1)
    planner.value = [n for n in body if n not in rest][-1].outputs[0].name
    extra_requants(planner, stage, rest)
    if fused_pool is not None:
        pool(planner, stage, fused_pool, fused_pool.op == "GlobalPool", fused=True)
    planner.publish(stage)


def input_fifo(planner: Planner, stage: Any, lanes: int, frame_beats: int) -> None:
    """The ff_fifo in front of a line buffer: up to 256 beats of the current stream (a frame
    at most) absorb the window generator's frame-boundary stalls."""
    s = planner.stream
    assert s is not None
    depth = max(2, min(frame_beats, 256))
    planner.add(
        Instance(
            "ff_fifo",
            planner.names.claim(f"fifo_{stage.name}", prefix="u"),
            {"W": lanes * s.width, "DEPTH": depth},
            lanes,
            s.width,
            lanes,
            s.width,
            stage.name,
            f"input FIFO of {depth} beats: absorbs the line buffer's frame-boundary stalls",
        )
    )
