"""RTL of the mvau kit: a Dense stage as one `ff_mvau` (PE x SIMD MAC array with a bias,
requant and ReLU epilogue), and the MAC helpers the conv and depthwise kits share.

Dense weights are permuted by the input stream's `perm` (a flatten before the layer costs
nothing). Ops fused after the epilogue become further units: a Requant an `ff_rqstage`, a
table or clip activation an `ff_lutact`."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.cost.resource_model import weight_ram
from fpgaforge.units.eltwise.rtl import affine
from fpgaforge.units.lutact.rtl import lutact
from fpgaforge.units.mvau.cost import dsp_pack
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
    no_unit,
    take_first,
    type_bits,
)
from fpgaforge.units.requant.rtl import requant_params, rq_common, rqstage
from fpgaforge.units.rom import epilogue_contents, hex_word, live_bits


def dense_stage(
    planner: Planner, stage: Any, nodes: list[Node]
) -> tuple[Node, bool, Node | None, list[Node]]:
    """The Dense anchor of a MAC-array stage, its fused ReLU and requant, and the requants
    after them (checked: the stage starts with a Dense on the planner's stream and fuses
    nothing but requants and activations)."""
    take_first(planner, stage, nodes)
    if nodes[0].op != "Dense":
        raise no_unit(planner, stage, nodes)
    anchor = nodes[0]
    planner.check_input(anchor, stage)
    relu, rq, rest = epilogue(nodes)
    if any(n.op not in FUSED_AFTER for n in rest):
        raise planner.fail(stage, f"fused ops {[n.op for n in rest]} after Dense")
    return anchor, relu, rq, rest


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A Dense with its fused epilogue as ff_mvau (input lanes converted to SIMD)."""
    anchor, relu, rq, rest = dense_stage(planner, stage, nodes)
    s = planner.stream
    assert s is not None
    weights = anchor.inputs[1].const.astype(np.int64)
    mh, mw = weights.shape
    order, out_perm = token_order(planner, stage, s.perm, mw, mh)
    pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
    if mh % pe or mw % simd:
        raise planner.fail(stage, f"PE {pe} / SIMD {simd} must divide {mh} x {mw}")
    matrix = weights[:, order]
    planner.connect(simd, stage)
    what = f"mvau {stage.name}" + (
        f" over {len(out_perm) // mh} tokens" if len(order) < len(s.perm) else ""
    )
    out_w, out_signed, _ = mvau(planner, stage, anchor, relu, rq, matrix, pe, simd, what)
    planner.stream = Stream(pe, out_w, out_signed, out_perm, None, s.depth)
    planner.value = [n for n in nodes if n not in rest][-1].outputs[0].name
    extra_requants(planner, stage, rest)
    planner.publish(stage)


def token_order(
    planner: Planner, stage: Any, perm: np.ndarray, mw: int, mh: int
) -> tuple[np.ndarray, np.ndarray]:
    """How a Dense of `mw` inputs and `mh` outputs reads a stream in `perm` order: (the
    input index of each position within a vector, the output stream's `perm`). A stream of
    `mw` elements is one vector in any order (a flatten before the layer is free); a longer
    one is a sequence of vectors (tokens), each contiguous and in the same order, and the
    unit runs once per token (like a 1×1 convolution over the tokens)."""
    total = len(perm)
    if total % mw:
        raise planner.fail(stage, f"input has {total} elements, weights expect {mw} per vector")
    if total == mw:
        return perm, np.arange(mh)
    rows = perm.reshape(-1, mw)
    token = rows // mw
    if not (token == token[:, :1]).all() or not (rows % mw == rows[:1] % mw).all():
        raise planner.fail(
            stage, "its input's tokens are not contiguous and in one order in the stream"
        )
    out_perm = (token[:, :1] * mh + np.arange(mh)[None, :]).reshape(-1)
    return rows[0] % mw, out_perm


#: ops a MAC stage's fused chain may hold after what the MAC unit's epilogue does itself
FUSED_AFTER = ("Requant", "Activation", "Mul", "Add", "Sub")


def epilogue(nodes: list[Node]) -> tuple[bool, Node | None, list[Node]]:
    """(ReLU, Requant node, the rest) of the ops fused after a MAC anchor (`nodes[0]`): the
    unit's own epilogue is a leading ReLU and/or Requant; the rest follow it in order."""
    relu, rq = False, None
    k = 1
    if k < len(nodes) and nodes[k].op == "Activation" and nodes[k].attrs.get("func") == "relu":
        relu, k = True, k + 1
    if k < len(nodes) and nodes[k].op == "Requant":
        rq, k = nodes[k], k + 1
    return relu, rq, list(nodes[k:])


def mac_common(
    anchor: Node, relu: bool, rq: Node | None, pe: int
) -> tuple[dict, list[str], list[str], int, int, bool]:
    """Weight / accumulator widths and the bias and requant epilogue of a MAC unit: (params,
    bias words, requant words, output width, channels, output signedness)."""
    w_val, b_val = anchor.inputs[1], anchor.input(2)
    wt_bits, wt_signed = type_bits(w_val.dtype)
    wt_w = wt_bits + (0 if wt_signed else 1)
    acc_t = anchor.outputs[0].dtype
    acc_bits, acc_signed = type_bits(acc_t)
    acc_w = acc_bits + (0 if acc_signed else 1) + 1
    channels = int(w_val.const.shape[0])
    bias = b_val.const.astype(np.int64) if b_val is not None else np.zeros(channels, dtype=np.int64)
    bias_words = [
        hex_word([int(bias[g * pe + p]) for p in range(pe)], acc_w) for g in range(channels // pe)
    ]
    rq_params, rq_words = rq_common(rq, channels, pe)
    if rq is None:
        out_w, out_signed = acc_w, True
        rq_params.update({"OUT_W": acc_w, "OUT_SIGNED": 1})
    else:
        out_w, out_signed = type_bits(rq.attrs["to"])
    params = {"WT_W": wt_w, "ACC_W": acc_w, "RELU": int(relu), **rq_params}
    return params, bias_words, rq_words, out_w, channels, out_signed


def mac_contents(
    params: dict[str, Any],
    bias_words: list[str],
    rq_words: list[str],
    pe: int,
    weights: list[str],
    weight_bits: int,
) -> dict[str, int]:
    """What the resource model reads from a MAC unit's ROM images (`Instance.contents`): the
    epilogue tables' live bits and folded lanes (`rom.epilogue_contents`), and WEIGHT_LIVE,
    the live bits of a weight ROM built from logic (WEIGHT_RAM 2; `weight_bits` wide)."""
    contents = epilogue_contents(
        bias_words, int(params["ACC_W"]), rq_words,
        int(params["MULT_W"]) + int(params["SHIFT_W"]), int(params["SHIFT_W"]), pe,
        bool(params["RQ_EN"]),
    )  # fmt: skip
    if int(params.get("WEIGHT_RAM", 0)) == 2:
        contents["WEIGHT_LIVE"] = live_bits(weights, weight_bits)
    return contents


def weight_words(matrix: np.ndarray, pe: int, simd: int, wt_w: int) -> list[str]:
    """ff_mvau's weight ROM: per (PE fold, SIMD fold), the PE x SIMD block, row-major, low first."""
    mh, mw = matrix.shape
    words = []
    for nf in range(mh // pe):
        for sf in range(mw // simd):
            block = matrix[nf * pe : (nf + 1) * pe, sf * simd : (sf + 1) * simd]
            words.append(hex_word([int(v) for v in block.reshape(-1)], wt_w))
    return words


def implementation(
    planner: Planner,
    stage: Any,
    anchor: Node,
    rq: Node | None,
    channels: int,
    pe: int,
    simd: int,
    weight_words: int,
    in_w: int,
) -> dict[str, int]:
    """ff_mvau's implementation choices: DSP packing of PE pairs, weight ROM in block RAM
    or logic (as the resource model places it), and a shift-only requant."""
    wt_w = type_bits(anchor.inputs[1].dtype)[0]
    board = planner.schedule.board
    return {
        "DSP_PACK": dsp_pack(board, pe, simd, wt_w, in_w),
        "WEIGHT_RAM": weight_ram(
            board, pe * simd * wt_w, weight_words, str(stage.folding.get("weight_mem", "auto"))
        ),
        "RQ_SHIFT_ONLY": int(rq is not None and set(requant_params(rq, channels)[0]) == {1}),
    }


def mvau(
    planner: Planner,
    stage: Any,
    anchor: Node,
    relu: bool,
    rq: Node | None,
    matrix: np.ndarray,
    pe: int,
    simd: int,
    what: str,
    base: str | None = None,
) -> tuple[int, bool, int]:
    """The ff_mvau of a MAC stage (`matrix`: outputs x inputs in stream order) on the current
    stream, SIMD lanes wide; returns its output width, signedness and channels. Its ROM files
    are `mem/<base>_{w,b,q}.hex` (default: `s` and the number of instances so far)."""
    s = planner.stream
    assert s is not None
    mh, mw = matrix.shape
    params, bias_words, rq_words, out_w, channels, out_signed = mac_common(anchor, relu, rq, pe)
    base = base or f"s{len(planner.units):02d}"
    words = weight_words(matrix, pe, simd, params["WT_W"])
    mems = {
        f"mem/{base}_w.hex": words,
        f"mem/{base}_b.hex": bias_words,
        f"mem/{base}_q.hex": rq_words,
    }
    inst = planner.names.claim(stage.name, prefix="u")
    unit_params = {
        "MH": mh,
        "MW": mw,
        "PE": pe,
        "SIMD": simd,
        "IN_W": s.width,
        "IN_SIGNED": int(s.signed),
        **params,
        **implementation(
            planner, stage, anchor, rq, channels, pe, simd, (mh // pe) * (mw // simd), s.width
        ),
        "WEIGHT_FILE": f"mem/{base}_w.hex",
        "BIAS_FILE": f"mem/{base}_b.hex",
        "RQ_FILE": f"mem/{base}_q.hex",
    }
    planner.add(
        Instance(
            "ff_mvau",
            inst,
            unit_params,
            simd,
            s.width,
            pe,
            out_w,
            stage.name,
            comment(what),
            mems,
            burst=mh // pe if mw == simd else 0,
            contents=mac_contents(
                unit_params, bias_words, rq_words, pe, words, pe * simd * params["WT_W"]
            ),
        )
    )
    return out_w, out_signed, channels


def extra_requants(planner: Planner, stage: Any, extra: list[Node]) -> None:
    """Ops fused after a MAC stage's epilogue: further Requants (e.g. the alignment before a
    residual add) as ff_rqstage, a ReLU after them as ff_rqstage, other activations (tables,
    clip) as ff_lutact, a product, sum or difference with a constant as ff_affine."""
    for node in extra:
        assert planner.stream is not None
        if node.op == "Requant":
            rqstage(planner, stage, node, relu=False, requant=node, lanes=planner.stream.lanes)
        elif node.op in ("Mul", "Add", "Sub"):
            affine(planner, stage, node, lanes=planner.stream.lanes)
        elif node.op == "Activation" and node.attrs.get("func") == "relu":
            rqstage(planner, stage, node, relu=True, requant=None, lanes=planner.stream.lanes)
        else:
            lutact(planner, stage, node, lanes=planner.stream.lanes)
