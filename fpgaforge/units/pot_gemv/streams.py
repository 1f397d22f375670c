"""The stream layout of `ff_pot_gemv` for one IntLinear product: activation codes with
their group shifts, 4-bit weight codes, per-(row, group) shift pairs and the run-time shape
(cfg ports), as the weight DMA and the activation producer deliver them.

- x beat c: SIMD codes a[c·SIMD + s] (lane 0 low, 4 bits each), then SIMD/AG shifts
  (4 bits each) of the activation quantizer (`pot_quantize`, or the static shift).
- w beat (b, c): PE x SIMD codes q[b·PE + p, c·SIMD + s] at bit (p·SIMD + s)·4.
- s beat (b, g): PE pairs {s2, s1} (3 bits each, s1 low) with m = 2^s1 + 2^s2.
- cfg: row_blocks = rows / PE, col_beats = cols / SIMD, group_beats = group / SIMD,
  shift = frac_in - w_exp - frac_out, in SHIFT_RANGE (a left shift keeps 16 bits of
  headroom above the 48-bit accumulator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.numerics.pot import pot_quantize, saturate, shift_round

W_BITS, A_BITS, SA_BITS, OUT_BITS = 4, 4, 4, 32
SHIFT_RANGE = (-16, 127)


@dataclass(frozen=True)
class Product:
    """One matrix-vector product of an IntLinear in the unit's terms."""

    name: str
    q: np.ndarray  # [rows, cols] weight codes
    s1: np.ndarray  # [rows, groups]
    s2: np.ndarray
    codes: np.ndarray  # [cols] activation codes
    a_shift: np.ndarray  # [cols] the shift of each activation's group
    group: int
    shift: int
    want: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return int(self.q.shape[0])

    @property
    def cols(self) -> int:
        return int(self.q.shape[1])

    @classmethod
    def of(cls, node: Node, x: np.ndarray, want: np.ndarray | None = None) -> Product:
        """The product of IntLinear `node` on one activation vector `x` (int64 codes)."""
        a = node.attrs
        q = np.asarray(node.inputs[1].const, np.int64)
        m = np.asarray(node.inputs[2].const, np.int64)
        if int(a["act_bits"]) != A_BITS or q.min() < -8 or q.max() > 7:
            raise QuantizationError(
                f"{node.where()} is not W4A4 (act_bits {a['act_bits']}); ff_pot_gemv takes "
                f"4-bit weights and activations: quantize with the lightmamba method."
            )
        shift = int(a["frac_in"]) - int(a["w_exp"]) - int(a["frac_out"])
        if not SHIFT_RANGE[0] <= shift <= SHIFT_RANGE[1] or int(a["out_bits"]) != OUT_BITS:
            raise QuantizationError(
                f"{node.where()} shifts its sum by {shift} to {a['out_bits']} bits; ff_pot_gemv "
                f"shifts by {SHIFT_RANGE[0]}..{SHIFT_RANGE[1]} to {OUT_BITS} bits: adjust frac_out."
            )
        s1, s2 = two_shifts(m, node)
        x = np.asarray(x, np.int64).reshape(-1)
        if int(a["act_group"]) > 0:
            codes, shifts = pot_quantize(x, A_BITS, int(a["act_group"]))
            a_shift = np.repeat(shifts, min(int(a["act_group"]), len(x)))
        else:
            s = int(a["act_shift"])
            codes = saturate(shift_round(x, s), A_BITS) if s >= 0 else saturate(x, A_BITS)
            a_shift = np.full(len(x), max(s, 0))
        return cls(node.name, q, s1, s2, codes, a_shift, int(a["group"]), shift, want)


def two_shifts(m: np.ndarray, node: Node) -> tuple[np.ndarray, np.ndarray]:
    """(s1, s2) with m = 2^s1 + 2^s2, 0 <= s2 <= s1 <= 7, for every multiplier of `node`."""
    table = {(1 << a) + (1 << b): (a, b) for a in range(8) for b in range(a + 1)}
    bad = sorted({int(v) for v in m.reshape(-1)} - set(table))
    if bad:
        raise QuantizationError(
            f"{node.where()} has weight multipliers {bad[:4]} that are not 2^s1 + 2^s2 "
            f"(s1, s2 in 0..7); ff_pot_gemv needs lightmamba's weight_scale=two_shifts."
        )
    s1 = np.vectorize(lambda v: table[int(v)][0])(m)
    s2 = np.vectorize(lambda v: table[int(v)][1])(m)
    return s1.astype(np.int64), s2.astype(np.int64)


def _pack(values, width: int) -> int:
    word = 0
    for i, v in enumerate(values):
        word |= (int(v) & ((1 << width) - 1)) << (i * width)
    return word


def pack_product(p: Product, pe: int, simd: int, ag: int) -> dict:
    """The cfg values and the x, w, s beats of `p` for ff_pot_gemv(PE, SIMD, AG), and the
    output beats to expect (a JSON-able dict)."""
    if p.rows % pe or p.cols % simd or p.group % simd or simd % ag:
        raise QuantizationError(
            f"Product {p.name!r} ({p.rows} x {p.cols}, group {p.group}) does not fold on "
            f"PE {pe}, SIMD {simd}, AG {ag}: PE must divide the rows, SIMD the group, AG SIMD."
        )
    if any(len(set(p.a_shift[i : i + ag].tolist())) > 1 for i in range(0, p.cols, ag)):
        raise QuantizationError(f"Product {p.name!r}: activation groups are not multiples of {ag}.")
    col_beats, group_beats = p.cols // simd, p.group // simd
    x_beats = []
    for c in range(col_beats):
        lanes = slice(c * simd, (c + 1) * simd)
        shifts = p.a_shift[lanes][::ag]
        x_beats.append(_pack(p.codes[lanes], A_BITS) | _pack(shifts, SA_BITS) << (simd * A_BITS))
    w_beats, s_beats = [], []
    for b in range(p.rows // pe):
        rows = slice(b * pe, (b + 1) * pe)
        for c in range(col_beats):
            block = p.q[rows, c * simd : (c + 1) * simd]
            w_beats.append(_pack(block.reshape(-1), W_BITS))
            if c % group_beats == 0:
                g = c // group_beats
                pairs = [
                    int(s1) | int(s2) << 3
                    for s1, s2 in zip(p.s1[rows, g], p.s2[rows, g], strict=True)
                ]
                s_beats.append(_pack(pairs, 6))
    return {
        "cfg": {
            "row_blocks": p.rows // pe,
            "col_beats": col_beats,
            "group_beats": group_beats,
            "shift": p.shift,
        },
        "x": x_beats,
        "w": w_beats,
        "s": s_beats,
        "outputs": p.rows // pe,
    }
