"""ff_sat_array (the SAT training array): the three GEMMs of a training step on the same PEs,
bit-exact against numpy integer GEMMs with the masks of `quant.sat.masks`, and cycles equal
to the per-GEMM model of `estimate --train` (`TiledGemmLayer` with the reduction
`compressed_reduction` gives, the transfers at `vector_lanes` a cycle, the epilogue).

- forward:          Y = X · (W·Mf)^T, W·Mf compressed along the input axis (N:M mode)
- backward data:    dX = dY · (W·Mb), W·Mb compressed along the output axis (N:M mode, the
                    transposed operand)
- weight gradient:  dW^T = X^T · dY, dense (dY stationary, X^T streamed)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from fpgaforge.dataflow.training import compressed_reduction
from fpgaforge.numerics import nm
from fpgaforge.numerics.nm import NMPattern
from fpgaforge.quant.sat.masks import backward_mask, forward_mask
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.tiled_gemm.cost import TiledGemmEngine, TiledGemmLayer, TiledVectorLayer
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex
from tests.rtl.modules.test_tiled_gemm import (
    ACC_W,
    ACT_W,
    MULT_W,
    OVERFLOW,
    ROUNDING,
    SHIFT_W,
    WT_W,
    Layer,
    random_layer,
)

pytestmark = pytest.mark.rtlsim


@dataclass
class SatLayer:
    """One GEMM on the array: `layer.w` is the dense K x N operand (masked where N:M), `values`
    and `indices` the stored Kc x N operand (Kc = K·n/m in N:M mode, K and zeros when dense)."""

    layer: Layer
    values: np.ndarray
    indices: np.ndarray
    sparse: bool
    splits: int = 1
    split_m: bool = False  # the segments stream their own rows of M (same column tile)


def dense_op(layer: Layer) -> SatLayer:
    return SatLayer(layer, layer.w, np.zeros_like(layer.w), False)


def sparse_op(layer: Layer, pattern: NMPattern) -> SatLayer:
    """The K x N operand, N:M along K (axis 0), as the array stores it."""
    values, indices = nm.compress(layer.w, pattern, axis=0)  # N x Kc
    return SatLayer(layer, values.T, indices.T, True)


def forward_op(rng, w: np.ndarray, pattern: NMPattern, **kw) -> SatLayer:
    """Y = X · (W·Mf)^T for a weight W [out, in]."""
    masked = w * forward_mask(torch.tensor(w, dtype=torch.float32), pattern).numpy().astype(int)
    layer = random_layer(rng, w.shape[1], w.shape[0], **kw)
    layer.w = masked.T
    return sparse_op(layer, pattern)


def backward_op(rng, w: np.ndarray, pattern: NMPattern, **kw) -> SatLayer:
    """dX = dY · (W·Mb) for a weight W [out, in]: the transposed operand, N:M along out."""
    masked = w * backward_mask(torch.tensor(w, dtype=torch.float32), pattern).numpy().astype(int)
    layer = random_layer(rng, w.shape[0], w.shape[1], **kw)
    layer.w = masked
    return sparse_op(layer, pattern)


def images(ops: list[SatLayer], m: int, rows: int, cols: int, idx_w: int, tmp) -> dict:
    """Command, weight ({value, index} entries), bias and requant ROMs, as module parameters."""
    ew = WT_W + idx_w
    cmds, w_words, b_words, q_words = [], [], [], []
    for op in ops:
        layer = op.layer
        k, n = layer.w.shape
        kc, s = op.values.shape[0], op.splits
        seg = rows // s  # reduction rows of a segment; segment j takes column tile nt*s + j,
        tiles = 1 if op.split_m else s  # or column tile nt (M-split)
        kt, nt = -(-kc // seg), -(-n // (cols * tiles))
        entry = np.zeros((kt * seg, nt * tiles * cols), np.int64)
        entry[:kc, :n] = (op.values & ((1 << WT_W) - 1)) | op.indices << WT_W
        fields = [m, kt, nt, k, n, len(w_words), len(b_words)]
        flags = (
            int(op.split_m) << 6
            | (s.bit_length() - 1) << 4
            | int(op.sparse) << 3
            | int(layer.out_signed) << 2
            | int(layer.in_signed) << 1
            | int(layer.relu)
        )
        cmds.append(sum(v << (16 * i) for i, v in enumerate(fields)) | flags << 112)
        for j in range(nt):
            for t in range(kt):
                for y in range(rows):
                    c0 = (j if op.split_m else j * s + y // seg) * cols
                    w_words.append(pack(list(entry[t * seg + y % seg, c0 : c0 + cols]), ew))
        pad = nt * tiles * cols - n
        bias = list(layer.bias) + [0] * pad
        rq = [
            (int(mu) & 0xFFFF) << SHIFT_W | (int(s) & 0xFF)
            for mu, s in zip(layer.mult, layer.shift, strict=True)
        ] + [0] * pad
        b_words += [pack(bias[j * cols : (j + 1) * cols], ACC_W) for j in range(nt * tiles)]
        q_words += [
            pack(rq[j * cols : (j + 1) * cols], MULT_W + SHIFT_W) for j in range(nt * tiles)
        ]
    return {
        "CMD_FILE": f'"{write_hex(tmp / "cmd.hex", cmds, 119)}"',
        "WEIGHT_FILE": f'"{write_hex(tmp / "w.hex", w_words, cols * ew)}"',
        "BIAS_FILE": f'"{write_hex(tmp / "b.hex", b_words, cols * ACC_W)}"',
        "RQ_FILE": f'"{write_hex(tmp / "q.hex", q_words, cols * (MULT_W + SHIFT_W))}"',
        "WDEPTH": len(w_words),
        "TDEPTH": len(b_words),
    }


def model_cycles(
    ops: list[SatLayer], pattern: NMPattern, m: int, rows: int, cols: int, m_tile: int, lanes: int
) -> int:
    """Latency of one run by the training-step model: each GEMM a `TiledGemmLayer` whose
    reduction is `compressed_reduction` of K in N:M mode, K when dense."""
    ctx = CostContext.of(view("ulx3s-85f"))
    k0, n_last = ops[0].layer.w.shape[0], ops[-1].layer.w.shape[1]
    load = TiledVectorLayer(
        op="Quantize", ops=m * k0, in_elements=m * k0, out_elements=m * k0, bits=ACT_W,
        vector_lanes=lanes, act_buffer_bits=1 << 20, setup_cycles=0, weights_onchip=True,
    )  # fmt: skip
    total = load.cost(ctx).estimates.cycles
    engine = TiledGemmEngine(weight_bits=WT_W, act_bits=ACT_W, acc_bits=ACC_W, rows=rows, cols=cols,
                             vector_lanes=lanes, acc_buffer_rows=m_tile, weights="onchip")  # fmt: skip
    for op in ops:
        k, n = op.layer.w.shape
        k_run, sparse = compressed_reduction(k, pattern if op.sparse else None)
        assert sparse == op.sparse
        gemm = TiledGemmLayer(
            m=m, k=k_run, n=n, groups=1, weight_bits=WT_W, act_bits=ACT_W, acc_bits=ACC_W,
            out_bits=ACT_W, in_elements=m * k, out_elements=m * n, rows=rows, cols=cols,
            m_tile=m_tile, act_buffer_bits=1 << 20, weights_onchip=True,
            setup_cycles=engine.layer_setup_cycles(), splits=op.splits, overlap=True,
            split_m=op.split_m,
        )  # fmt: skip
        total += gemm.cost(ctx).estimates.cycles
    return int(total + engine.epilogue_cycles(m * n_last))


def run_array(tmp_path, ops, xs, pattern, rows, cols, m_tile, lanes, smax=1):
    """Run the chain `ops` on frames `xs` (m x K codes); check every output code against numpy
    and the measured latency and interval against the model; return (codes, cycles)."""
    m, k0 = xs[0].shape
    dims = [k0] + [op.layer.w.shape[1] for op in ops]
    in_elems, out_elems = m * k0, m * dims[-1]
    in_beats, out_beats = -(-in_elems // lanes), -(-out_elems // lanes)
    need = max(m * max(dims) + pattern.m * rows, in_elems + smax * cols, out_elems + lanes)
    idx_w = max(1, (pattern.m - 1).bit_length())
    params = dict(
        ROWS=rows, COLS=cols, ACT_W=ACT_W, WT_W=WT_W, ACC_W=ACC_W, MULT_W=MULT_W, SHIFT_W=SHIFT_W,
        ROUNDING=ROUNDING[1], OVERFLOW=OVERFLOW[1], GN=pattern.n, GM=pattern.m,
        SMAX=smax, LAYERS=len(ops), M_TILE=m_tile, ACT_DEPTH=1 << (need - 1).bit_length(), IN_N=lanes,
        IN_ELEMS=in_elems, OUT_N=lanes, OUT_ELEMS=out_elems,
        **images(ops, m, rows, cols, idx_w, tmp_path),
    )  # fmt: skip
    beats = []
    for x in xs:
        flat = list(x.reshape(-1)) + [0] * (in_beats * lanes - in_elems)
        beats += [pack(flat[i : i + lanes], ACT_W) for i in range(0, len(flat), lanes)]
    run = run_stream("ff_sat_array", params, beats, len(xs) * out_beats, tmp_path / "b")
    signed_out = ops[-1].layer.out_signed
    got = [v for word in run["out_data"] for v in unpack(word, lanes, ACT_W, signed_out)]
    compared = 0
    for f, x in enumerate(xs):
        want = x
        for op in ops:
            want = op.layer.run(want)
        frame = got[f * out_beats * lanes : f * out_beats * lanes + out_elems]
        mismatches = sum(int(a != b) for a, b in zip(frame, want.reshape(-1), strict=True))
        assert mismatches == 0, f"frame {f}: {mismatches} of {out_elems} codes differ"
        compared += out_elems
    latency, interval = cycles_of(run, in_beats, out_beats)
    expected = model_cycles(ops, pattern, m, rows, cols, m_tile, lanes)
    assert latency == expected, (latency, expected)
    assert interval == expected, (interval, expected)
    return compared, latency


FRAMES = 2


@pytest.mark.parametrize(
    ("mode", "pattern", "rows", "cols", "m_tile", "lanes", "smax", "splits", "split_m"),
    [
        # K 24 -> 6 stored rows: two row tiles, one partial
        ("forward", "2:8", 4, 3, 2, 4, 1, 1, False),
        # the same on two 2-row segments that stream their own rows of M (5 rows: 2 + 2, 1)
        ("forward", "2:8", 4, 3, 2, 4, 2, 2, True),
        # out 12 -> 6 stored rows on two segments of 2 rows (one group each), 7 outputs
        ("backward data", "2:4", 4, 3, 2, 5, 2, 2, False),
        ("backward data", "2:4", 4, 3, 2, 5, 2, 2, True),
        # dense, the array split in four 1-row segments of 3 columns each
        ("weight gradient", "2:8", 4, 3, 4, 4, 4, 4, False),
        # four 1-row segments, each streaming its own rows of M (7 rows: one per segment, 3)
        ("weight gradient", "2:8", 4, 3, 1, 4, 4, 4, True),
    ],
)
def test_sat_array_mode(tmp_path, mode, pattern, rows, cols, m_tile, lanes, smax, splits, split_m):
    pat = NMPattern.parse(pattern)
    rng = np.random.default_rng(len(mode) * 10 + pat.m)
    batch, k_in, n_out = 5, 24 if mode == "forward" else 7, 5 if mode != "backward data" else 12
    w = rng.integers(-128, 128, (n_out, k_in))
    if mode == "forward":
        ops = [forward_op(rng, w, pat, in_signed=True, out_signed=False, relu=True)]
        xs = [rng.integers(-128, 128, (batch, k_in)) for _ in range(FRAMES)]
    elif mode == "backward data":
        ops = [backward_op(rng, w, pat, in_signed=True, out_signed=True, relu=False)]
        xs = [rng.integers(-128, 128, (batch, n_out)) for _ in range(FRAMES)]
    else:
        # dW^T [in, out] = X^T [in, batch] · dY [batch, out]: dY stationary, X^T streamed
        grad = random_layer(rng, batch, n_out, in_signed=True, out_signed=True, relu=False)
        grad.w = rng.integers(-128, 128, (batch, n_out))
        ops = [dense_op(grad)]
        xs = [rng.integers(-128, 128, (batch, k_in)).T.copy() for _ in range(FRAMES)]
    ops[0].splits, ops[0].split_m = splits, split_m
    compared, _ = run_array(tmp_path, ops, xs, pat, rows, cols, m_tile, lanes, smax)
    assert compared == FRAMES * xs[0].shape[0] * ops[0].layer.w.shape[1]


def test_sat_array_modes_switch_at_run_time(tmp_path):
    """One array instance, one command table: forward N:M whole, backward-data N:M and dense
    on the array split in two."""
    pat = NMPattern.parse("2:4")
    rng = np.random.default_rng(7)
    w1, w2 = rng.integers(-128, 128, (8, 8)), rng.integers(-128, 128, (8, 8))
    ops = [
        forward_op(rng, w1, pat, in_signed=True, out_signed=False, relu=True),
        backward_op(rng, w2, pat, in_signed=False, out_signed=True, relu=False),
        dense_op(random_layer(rng, 8, 5, in_signed=True, out_signed=True, relu=False)),
    ]
    ops[1].splits = ops[2].splits = 2
    xs = [rng.integers(-128, 128, (3, 8)) for _ in range(FRAMES)]
    run_array(tmp_path, ops, xs, pat, rows=4, cols=4, m_tile=2, lanes=4, smax=2)


@pytest.mark.parametrize(
    ("mode", "splits", "split_m"),
    [("forward", 1, False), ("backward data", 2, False), ("backward data", 2, True)],
)
def test_sat_array_passes_overlap(tmp_path, mode, splits, split_m):
    """Chunks of 16 rows on a 4 x 3 array: each pass but a layer's last is followed at once by
    the next (its tile loaded into the other weight bank), so the run takes fewer cycles than
    passes that each drain the array, and every code still matches."""
    pat = NMPattern.parse("2:8")
    rng = np.random.default_rng(11 + splits)
    rows, cols, m_tile, lanes, batch = 4, 3, 16, 4, 37
    if mode == "forward":
        w = rng.integers(-128, 128, (7, 48))  # 48 -> 12 stored rows: 3 row tiles, 3 column tiles
        ops = [forward_op(rng, w, pat, in_signed=True, out_signed=True, relu=False)]
        xs = [rng.integers(-128, 128, (batch, 48)) for _ in range(FRAMES)]
    else:
        w = rng.integers(-128, 128, (32, 5))  # out 32 -> 8 stored rows on segments of 2 rows
        ops = [backward_op(rng, w, pat, in_signed=True, out_signed=False, relu=True)]
        xs = [rng.integers(-128, 128, (batch, 32)) for _ in range(FRAMES)]
    ops[0].splits, ops[0].split_m = splits, split_m
    # bit-exact, latency and interval equal to the model with overlapping passes
    run_array(tmp_path, ops, xs, pat, rows, cols, m_tile, lanes, smax=splits)
    k, n = ops[0].layer.w.shape
    k_run, _ = compressed_reduction(k, pat)
    common = dict(
        m=batch, k=k_run, n=n, groups=1, weight_bits=WT_W, act_bits=ACT_W, acc_bits=ACC_W,
        out_bits=ACT_W, in_elements=batch * k, out_elements=batch * n, rows=rows, cols=cols,
        m_tile=m_tile, splits=splits, split_m=split_m,
    )  # fmt: skip
    drained = TiledGemmLayer(**common)
    saved = drained.compute_cycles() - TiledGemmLayer(**common, overlap=True).compute_cycles()
    fill, floor = rows + cols - 2, max(rows, cols + 1)
    tile, full, rest = drained.chunk_passes()  # 16, 16, 5 rows; M-split: 16, then 3 a segment
    assert (tile, full, rest) == ((16, 1, 3) if split_m else (16, 2, 5))
    chunks = ([tile] * full + [rest]) * drained.folds  # the passes in order; the last drains
    assert saved == sum(m_c + fill - max(m_c, floor) for m_c in chunks[:-1]) > 0


@pytest.mark.parametrize(
    ("mode", "rows", "cols", "splits", "split_m"),
    [
        # 16 x 3, eight 2-row segments: passes of max(m_c, ROWS) = 16 cycles, not ROWS + COLS
        ("forward", 16, 3, 8, True),
        ("backward data", 16, 3, 8, False),
        ("weight gradient", 16, 3, 8, True),
        # 2 x 6: passes of max(m_c, COLS + 1) = 7 cycles, a tile's rows all loaded in the
        # next pass's first cycles
        ("forward", 2, 6, 1, False),
    ],
)
def test_sat_array_short_passes(tmp_path, mode, rows, cols, splits, split_m):
    """Passes shorter than ROWS + COLS: the next tile's rows past a pass's end load in the
    next pass's first cycles, before its rows reach them; bit-exact, cycles equal to the model
    (each pass but a layer's last max(m_c, ROWS, COLS + 1))."""
    pat = NMPattern.parse("2:8")
    rng = np.random.default_rng(rows * 7 + cols)
    m_tile, lanes, batch = 2, 4, 11
    if mode == "forward":
        w = rng.integers(-128, 128, (7, 48))  # 48 -> 12 stored rows
        ops = [forward_op(rng, w, pat, in_signed=True, out_signed=True, relu=False)]
        xs = [rng.integers(-128, 128, (batch, 48)) for _ in range(FRAMES)]
    elif mode == "backward data":
        w = rng.integers(-128, 128, (32, 5))  # out 32 -> 8 stored rows
        ops = [backward_op(rng, w, pat, in_signed=True, out_signed=False, relu=True)]
        xs = [rng.integers(-128, 128, (batch, 32)) for _ in range(FRAMES)]
    else:
        grad = random_layer(rng, batch, 5, in_signed=True, out_signed=True, relu=False)
        grad.w = rng.integers(-128, 128, (batch, 5))
        ops = [dense_op(grad)]
        xs = [rng.integers(-128, 128, (batch, 9)).T.copy() for _ in range(FRAMES)]
    ops[0].splits, ops[0].split_m = splits, split_m
    run_array(tmp_path, ops, xs, pat, rows, cols, m_tile, lanes, smax=splits)
    k, n = ops[0].layer.w.shape
    k_run, _ = compressed_reduction(k, pat if ops[0].sparse else None)
    gemm = TiledGemmLayer(
        m=xs[0].shape[0], k=k_run, n=n, groups=1, weight_bits=WT_W, act_bits=ACT_W,
        acc_bits=ACC_W, out_bits=ACT_W, in_elements=1, out_elements=1, rows=rows, cols=cols,
        m_tile=m_tile, splits=splits, split_m=split_m, overlap=True,
    )  # fmt: skip
    assert gemm.folds > 1 and gemm.chunk_passes()[0] < max(rows, cols + 1) < rows + cols
