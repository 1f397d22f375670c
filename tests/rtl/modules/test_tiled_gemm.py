"""ff_tiled_gemm (weight-stationary systolic array): bit-exact GEMM chains, and cycles equal
to the tiled cost model (`TiledGemmLayer.compute_cycles`, the input and output transfers at
`vector_lanes` elements a cycle, `TiledGemmEngine.epilogue_cycles`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from fpgaforge.numerics.requant import requantize
from fpgaforge.numerics.types import Int
from fpgaforge.units.cost.hardware import view
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.tiled_gemm.cost import TiledGemmEngine, TiledGemmLayer, TiledVectorLayer
from tests.rtl.modules.harness import cycles_of, pack, run_stream, unpack, write_hex

pytestmark = pytest.mark.rtlsim

ACT_W, WT_W, ACC_W, MULT_W, SHIFT_W = 8, 8, 24, 16, 8
ROUNDING, OVERFLOW = ("RND", 1), ("SAT", 1)


@dataclass
class Layer:
    """One GEMM layer of the chain: out = requant(relu(x @ w + bias))."""

    w: np.ndarray  # K x N
    bias: np.ndarray
    mult: np.ndarray
    shift: np.ndarray
    relu: bool
    in_signed: bool
    out_signed: bool

    def run(self, x: np.ndarray) -> np.ndarray:
        acc = x.astype(np.int64) @ self.w + self.bias
        if self.relu:
            acc = np.maximum(acc, 0)
        out = Int(ACT_W, self.out_signed)
        cols = [
            requantize(
                acc[:, n], int(self.mult[n]), int(self.shift[n]), ROUNDING[0], out, OVERFLOW[0]
            )
            for n in range(acc.shape[1])
        ]
        return np.stack(cols, axis=1)


def random_layer(
    rng: np.random.Generator, k: int, n: int, in_signed: bool, out_signed: bool, relu: bool
) -> Layer:
    return Layer(
        w=rng.integers(-128, 128, (k, n)),
        bias=rng.integers(-2000, 2000, n),
        mult=rng.integers(1, 1 << 12, n),
        shift=rng.integers(10, 18, n),
        relu=relu,
        in_signed=in_signed,
        out_signed=out_signed,
    )


def images(layers: list[Layer], m: int, rows: int, cols: int, tmp) -> dict[str, str]:
    """The command, weight, bias and requant ROM files of a chain, as module parameters."""
    cmds, w_words, b_words, q_words = [], [], [], []
    for layer in layers:
        k, n = layer.w.shape
        kt, nt = -(-k // rows), -(-n // cols)
        w = np.zeros((kt * rows, nt * cols), np.int64)
        w[:k, :n] = layer.w
        fields = [m, kt, nt, k, n, len(w_words), len(b_words)]
        flags = int(layer.out_signed) << 2 | int(layer.in_signed) << 1 | int(layer.relu)
        cmds.append(sum(v << (16 * i) for i, v in enumerate(fields)) | flags << 112)
        for j in range(nt):
            for t in range(kt):
                w_words += [
                    pack(list(w[t * rows + r, j * cols : (j + 1) * cols]), WT_W)
                    for r in range(rows)
                ]
        pad = nt * cols - n
        bias = list(layer.bias) + [0] * pad
        rq = [
            (int(mu) & 0xFFFF) << SHIFT_W | (int(s) & 0xFF)
            for mu, s in zip(layer.mult, layer.shift, strict=True)
        ] + [0] * pad
        b_words += [pack(bias[j * cols : (j + 1) * cols], ACC_W) for j in range(nt)]
        q_words += [pack(rq[j * cols : (j + 1) * cols], MULT_W + SHIFT_W) for j in range(nt)]
    return {
        "CMD_FILE": f'"{write_hex(tmp / "cmd.hex", cmds, 115)}"',
        "WEIGHT_FILE": f'"{write_hex(tmp / "w.hex", w_words, cols * WT_W)}"',
        "BIAS_FILE": f'"{write_hex(tmp / "b.hex", b_words, cols * ACC_W)}"',
        "RQ_FILE": f'"{write_hex(tmp / "q.hex", q_words, cols * (MULT_W + SHIFT_W))}"',
        "WDEPTH": len(w_words),
        "TDEPTH": len(b_words),
    }


def model_cycles(layers: list[Layer], m: int, rows: int, cols: int, m_tile: int, lanes: int) -> int:
    """Latency of one inference by the tiled cost model (weights on chip)."""
    ctx = CostContext.of(view("ulx3s-85f"))
    k0, n_last = layers[0].w.shape[0], layers[-1].w.shape[1]
    load = TiledVectorLayer(
        op="Quantize", ops=m * k0, in_elements=m * k0, out_elements=m * k0, bits=ACT_W,
        vector_lanes=lanes, act_buffer_bits=1 << 20, setup_cycles=0, weights_onchip=True,
    )  # fmt: skip
    total = load.cost(ctx).estimates.cycles
    engine = TiledGemmEngine(weight_bits=WT_W, act_bits=ACT_W, acc_bits=ACC_W, rows=rows, cols=cols,
                             vector_lanes=lanes, acc_buffer_rows=m_tile, weights="onchip")  # fmt: skip
    for layer in layers:
        k, n = layer.w.shape
        gemm = TiledGemmLayer(
            m=m, k=k, n=n, groups=1, weight_bits=WT_W, act_bits=ACT_W, acc_bits=ACC_W,
            out_bits=ACT_W, in_elements=m * k, out_elements=m * n, rows=rows, cols=cols,
            m_tile=m_tile, act_buffer_bits=1 << 20, weights_onchip=True,
            setup_cycles=engine.layer_setup_cycles(),
        )  # fmt: skip
        total += gemm.cost(ctx).estimates.cycles
    return int(total + engine.epilogue_cycles(m * n_last))


@pytest.mark.parametrize(
    ("m", "dims", "rows", "cols", "m_tile", "lanes"),
    [
        (5, [7, 6, 3], 3, 4, 2, 4),  # three m chunks (2, 2, 1), partial tiles, partial beats
        (1, [20, 12, 10], 4, 3, 1, 8),  # one input row (a Dense chain), rows > cols
        (3, [4, 9], 2, 2, 4, 3),  # one chunk holds every row; m_tile > m
    ],
)
def test_tiled_gemm_chain(tmp_path, m, dims, rows, cols, m_tile, lanes):
    rng = np.random.default_rng(m * 100 + rows * 10 + cols)
    layers, signed = [], True
    for i, (k, n) in enumerate(zip(dims, dims[1:], strict=False)):
        out_signed = i == len(dims) - 2
        layers.append(random_layer(rng, k, n, signed, out_signed, relu=not out_signed))
        signed = out_signed
    frames = 3
    xs = [rng.integers(-128, 128, (m, dims[0])) for _ in range(frames)]
    in_elems, out_elems = m * dims[0], m * dims[-1]
    in_beats, out_beats = -(-in_elems // lanes), -(-out_elems // lanes)
    widest = max(max(a, b) for a, b in zip(dims, dims[1:], strict=False))
    need = max(m * widest + rows, in_elems + lanes, out_elems + lanes)
    params = dict(
        ROWS=rows, COLS=cols, ACT_W=ACT_W, WT_W=WT_W, ACC_W=ACC_W, MULT_W=MULT_W, SHIFT_W=SHIFT_W,
        ROUNDING=ROUNDING[1], OVERFLOW=OVERFLOW[1], LAYERS=len(layers), M_TILE=m_tile,
        ACT_DEPTH=1 << (need - 1).bit_length(), IN_N=lanes, IN_ELEMS=in_elems, OUT_N=lanes,
        OUT_ELEMS=out_elems, **images(layers, m, rows, cols, tmp_path),
    )  # fmt: skip
    beats = []
    for x in xs:
        flat = list(x.reshape(-1)) + [0] * (in_beats * lanes - in_elems)
        beats += [pack(flat[i : i + lanes], ACT_W) for i in range(0, len(flat), lanes)]
    run = run_stream("ff_tiled_gemm", params, beats, frames * out_beats, tmp_path / "b")
    signed_out = layers[-1].out_signed
    got = [v for word in run["out_data"] for v in unpack(word, lanes, ACT_W, signed_out)]
    for f, x in enumerate(xs):
        want = x
        for layer in layers:
            want = layer.run(want)
        frame = got[f * out_beats * lanes : f * out_beats * lanes + out_elems]
        assert frame == [int(v) for v in want.reshape(-1)], f"frame {f}"
    latency, interval = cycles_of(run, in_beats, out_beats)
    expected = model_cycles(layers, m, rows, cols, m_tile, lanes)
    assert latency == expected, (latency, expected)
    assert interval == expected, (interval, expected)
