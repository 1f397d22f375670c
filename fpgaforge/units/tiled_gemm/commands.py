"""The tiled engine's program: per layer one command word and its slice of the weight,
bias and requant ROMs of one `ff_tiled_gemm` (weights on chip).

Command word (112 + 3 bits, 29 hex digits): seven 16-bit fields, low first — 1 (m tiles),
k tiles, n tiles, k (inputs), n (outputs), first weight word, first bias word — then the
flags {output signed, input signed, ReLU} in bits 112..114. Weights are tiled for a
ROWS x COLS systolic array (`tile_rows`); biases and requant fields are COLS per word.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fpgaforge.units.errors import RtlUnsupportedError
from fpgaforge.units.rom import hex_word, rq_words, signed_bits


@dataclass(frozen=True)
class Layer:
    """One Dense [ReLU] Requant layer of the engine (weights n_out x k_in, per-channel
    requant, rounding / overflow codes of ff_requant)."""

    w: np.ndarray
    b: np.ndarray
    wt_w: int
    acc_w: int
    mults: list[int]
    shifts: list[int]
    relu: bool
    in_signed: bool
    out_signed: bool
    rounding: int
    overflow: int
    stage: str


@dataclass(frozen=True)
class Program:
    """The engine's widths and ROM images for a chain of layers."""

    wt_w: int
    acc_w: int
    mult_w: int
    shift_w: int
    cmd_words: list[str]
    w_words: list[str]
    b_words: list[str]
    q_words: list[str]


def tile_rows(matrix: np.ndarray, rows: int, cols: int, wt_w: int) -> list[str]:
    """Weight ROM words of a zero-padded K x N matrix for a rows x cols systolic array: tile
    (nt, kt) in column-tile-major order, one word per tile row (cols weights, column 0 low)."""
    k_pad, n_pad = matrix.shape
    words = []
    for nt in range(n_pad // cols):
        for kt in range(k_pad // rows):
            for r in range(rows):
                row = matrix[kt * rows + r, nt * cols : (nt + 1) * cols]
                words.append(hex_word([int(v) for v in row], wt_w))
    return words


def compile_program(layers: list[Layer], rows: int, cols: int, act_w: int) -> Program:
    """Commands and ROM words of `layers` on a rows x cols engine with `act_w`-bit activations."""
    wt_w = max(x.wt_w for x in layers)
    acc_w = max(max(x.acc_w for x in layers), act_w + 1 + wt_w)
    mult_w = max(signed_bits(x.mults) for x in layers)
    shift_w = max(8, max(signed_bits(x.shifts) for x in layers))
    w_words: list[str] = []
    b_words: list[str] = []
    q_words: list[str] = []
    cmd_words: list[str] = []
    for x in layers:
        n_out, k_in = x.w.shape
        kt, nt = -(-k_in // rows), -(-n_out // cols)
        matrix = np.zeros((kt * rows, nt * cols), np.int64)  # K x N, zero padded
        matrix[:k_in, :n_out] = x.w.T
        bias = np.zeros(nt * cols, np.int64)
        bias[:n_out] = x.b
        pad = [0] * (nt * cols - n_out)
        fields = [1, kt, nt, k_in, n_out, len(w_words), len(b_words)]
        if max(fields) >= 1 << 16:
            raise RtlUnsupportedError(
                f"Layer {x.stage!r} is too large for the tiled engine's 16-bit command fields."
            )
        flags = (int(x.out_signed) << 2) | (int(x.in_signed) << 1) | int(x.relu)
        cmd = sum(v << (16 * i) for i, v in enumerate(fields)) | flags << 112
        cmd_words.append(f"{cmd:029x}")
        w_words += tile_rows(matrix, rows, cols, wt_w)
        b_words += [
            hex_word([int(v) for v in bias[j * cols : (j + 1) * cols]], acc_w) for j in range(nt)
        ]
        q_words += rq_words(list(x.mults) + pad, list(x.shifts) + pad, cols, mult_w, shift_w)
    return Program(wt_w, acc_w, mult_w, shift_w, cmd_words, w_words, b_words, q_words)
