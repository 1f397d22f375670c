"""RTL of the sparse_gemm kit: an N:M Dense stage as one `ff_sparse_mvau` (the bias, requant
and ReLU epilogue of `ff_mvau`; further fused Requants and table activations as there).

Groups are the layer's own: M consecutive weights of a row along its reduction axis, as
`numerics.nm.compress` forms them. The unit forms them in input stream order, so the
builder permutes the weight columns by the stream's `perm` (as the dense unit does) and
requires every M-aligned block of stream positions to carry one whole group of the layer
(in any order inside it: the stored indices are stream positions within the block). A
flatten of a channel-last tensor whose channel count M divides keeps groups intact; one
that interleaves them is refused with the layer's name."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.numerics import nm
from fpgaforge.units.cost.resource_model import weight_ram
from fpgaforge.units.mvau.rtl import dense_stage, extra_requants, mac_common, mac_contents
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
)
from fpgaforge.units.requant.rtl import requant_params
from fpgaforge.units.rom import hex_word


def stream_matrix(planner: Planner, stage: Any, weights: np.ndarray, perm: np.ndarray, m: int):
    """The weights with columns in stream order; a refusal when a stream block of M positions
    mixes groups of the layer."""
    mw = weights.shape[1]
    if len(perm) != mw:
        raise planner.fail(stage, f"input has {len(perm)} elements, weights expect {mw}")
    groups = np.asarray(perm).reshape(-1, m) // m
    if (groups != groups[:, :1]).any():
        raise planner.fail(
            stage,
            f"its input stream order splits the N:M groups of {m} input weights (the "
            "tensor before it is flattened in another order); keep this layer dense",
        )
    return weights[:, perm]


def sparse_words(
    values: np.ndarray, indices: np.ndarray, pe: int, nz: int, wt_w: int, ib: int
) -> list[str]:
    """ff_sparse_mvau's weight ROM: per (PE fold, SIMD fold), PE x NZ entries {value, index},
    lane-major, low entry first."""
    mh, stored = values.shape
    words = []
    for nf in range(mh // pe):
        for sf in range(stored // nz):
            rows, cols = slice(nf * pe, (nf + 1) * pe), slice(sf * nz, (sf + 1) * nz)
            v = values[rows, cols].reshape(-1)
            i = indices[rows, cols].reshape(-1)
            entries = [
                ((int(a) & ((1 << wt_w) - 1)) << ib) | int(b) for a, b in zip(v, i, strict=True)
            ]
            words.append(hex_word(entries, wt_w + ib))
    return words


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """An N:M Dense with its fused epilogue as ff_sparse_mvau (input lanes converted to SIMD)."""
    anchor, relu, rq, rest = dense_stage(planner, stage, nodes)
    s = planner.stream
    assert s is not None
    pattern = layer_pattern(planner, stage, anchor)
    weights = anchor.inputs[1].const.astype(np.int64)
    pe, simd = int(stage.folding["pe"]), int(stage.folding["simd"])
    matrix = stream_matrix(planner, stage, weights, s.perm, pattern.m)
    planner.connect(simd, stage)
    out_w, out_signed, channels = sparse_mvau(
        planner, stage, anchor, relu, rq, matrix, pattern, pe, simd, f"sparse mvau {pattern}"
    )
    planner.stream = Stream(pe, out_w, out_signed, np.arange(channels), None, s.depth)
    planner.value = [n for n in nodes if n not in rest][-1].outputs[0].name
    extra_requants(planner, stage, rest)
    planner.publish(stage)


def layer_pattern(planner: Planner, stage: Any, anchor: Node) -> nm.NMPattern:
    """The N:M pattern of a layer the N:M MAC array runs."""
    fmt = anchor.quant.weights
    if fmt.n_m is None:
        raise planner.fail(stage, "its weights carry no N:M format")
    return nm.NMPattern(*fmt.n_m)


def sparse_mvau(
    planner: Planner,
    stage: Any,
    anchor: Node,
    relu: bool,
    rq: Node | None,
    matrix: np.ndarray,
    pattern: nm.NMPattern,
    pe: int,
    simd: int,
    what: str,
) -> tuple[int, bool, int]:
    """The ff_sparse_mvau of a MAC stage on the current stream, whose beats are `simd` wide
    (`matrix`: outputs x inputs in stream order, N:M along its rows in that order); returns
    its output width, signedness and channels."""
    s = planner.stream
    assert s is not None
    mh, mw = matrix.shape
    if mh % pe or mw % simd or simd % pattern.m:
        raise planner.fail(
            stage, f"PE {pe} / SIMD {simd} must divide {mh} x {mw}, SIMD in groups of {pattern.m}"
        )
    values, indices = nm.compress(matrix, pattern, axis=1, what=f"Layer {anchor.name!r}")
    params, bias_words, rq_words, out_w, channels, out_signed = mac_common(anchor, relu, rq, pe)
    nz = simd // pattern.m * pattern.n
    ib = pattern.index_bits
    base = f"s{len(planner.units):02d}"
    words = sparse_words(values, indices, pe, nz, params["WT_W"], ib)
    mems = {
        f"mem/{base}_w.hex": words,
        f"mem/{base}_b.hex": bias_words,
        f"mem/{base}_q.hex": rq_words,
    }
    depth = (mh // pe) * (mw // simd)
    mem_kind = str(stage.folding.get("weight_mem", "auto"))
    inst = planner.names.claim(stage.name, prefix="u")
    unit_params = {
        "MH": mh,
        "MW": mw,
        "PE": pe,
        "SIMD": simd,
        "N": pattern.n,
        "M": pattern.m,
        "IN_W": s.width,
        "IN_SIGNED": int(s.signed),
        **params,
        "WEIGHT_RAM": weight_ram(
            planner.schedule.board, pe * nz * (params["WT_W"] + ib), depth, mem_kind
        ),
        "RQ_SHIFT_ONLY": int(rq is not None and set(requant_params(rq, channels)[0]) == {1}),
        "WEIGHT_FILE": f"mem/{base}_w.hex",
        "BIAS_FILE": f"mem/{base}_b.hex",
        "RQ_FILE": f"mem/{base}_q.hex",
    }
    contents = mac_contents(
        unit_params, bias_words, rq_words, pe, words, pe * nz * (params["WT_W"] + ib)
    )
    planner.add(
        Instance(
            "ff_sparse_mvau",
            inst,
            unit_params,
            simd,
            s.width,
            pe,
            out_w,
            stage.name,
            comment(f"{what} {stage.name}"),
            mems,
            burst=mh // pe if mw == simd else 0,
            contents=contents,
        )
    )
    return out_w, out_signed, channels


__all__ = ["build", "layer_pattern", "sparse_mvau", "sparse_words", "stream_matrix"]
