"""The stream layout of ff_pot_gemv (units/pot_gemv/streams.py) and its one-sentence errors,
and the terms of both Mamba RTL units."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.units.cost.resource_model import rtl_unit
from fpgaforge.units.pot_gemv.streams import Product, pack_product


def linear(m: np.ndarray, **attrs):
    graph = Graph("lin")
    x = graph.add_input("x", (1, 16), np.int64)
    q = graph.add_constant("q", np.arange(32).reshape(2, 16) % 16 - 8)
    mult = graph.add_constant("m", m)
    base = {"frac_in": 8, "frac_out": 8, "w_exp": -4, "group": 8}
    return graph.add_node("IntLinear", [x, q, mult], name="proj", attrs={**base, **attrs})


def test_beats_of_a_small_product():
    node = linear(np.array([[3, 256], [2, 130]]))
    x = np.array([0, 1, -1, 7, 8, 100, -100, 2] + [5] * 8)
    p = Product.of(node, x)
    # m = 3 = 2^1 + 2^0, 256 = 2^7 + 2^7, 2 = 2^0 + 2^0, 130 = 2^7 + 2^1
    assert p.s1.tolist() == [[1, 7], [0, 7]] and p.s2.tolist() == [[0, 7], [0, 1]]
    assert p.shift == 4 and p.a_shift.tolist() == [4] * 8 + [0] * 8
    beats = pack_product(p, pe=2, simd=8, ag=8)
    assert beats["cfg"] == {"row_blocks": 1, "col_beats": 2, "group_beats": 1, "shift": 4}
    assert len(beats["x"]) == 2 and len(beats["w"]) == 2 and len(beats["s"]) == 2
    assert beats["x"][0] >> 32 == 4  # the group's shift above the 8 codes
    assert beats["s"][0] == (1 | 0 << 3) | (0 | 0 << 3) << 6


def test_errors_are_one_sentence():
    with pytest.raises(QuantizationError, match=r"node 'proj'.*multipliers \[7\].*two_shifts"):
        Product.of(linear(np.array([[7, 2], [2, 2]])), np.zeros(16, np.int64))
    with pytest.raises(QuantizationError, match="shifts its sum by -20"):
        Product.of(linear(np.full((2, 2), 2), frac_out=32), np.zeros(16, np.int64))
    p = Product.of(linear(np.full((2, 2), 2)), np.zeros(16, np.int64))
    with pytest.raises(QuantizationError, match="does not fold on PE 4"):
        pack_product(p, pe=4, simd=8, ag=8)


def test_unit_terms_count_no_dsp_and_grow_with_the_folding():
    small = rtl_unit("ff_pot_gemv", {"PE": 1, "SIMD": 8, "AG": 8, "XDEPTH": 4})
    wide = rtl_unit("ff_pot_gemv", {"PE": 2, "SIMD": 16, "AG": 8, "XDEPTH": 4})
    assert wide[0] > 2 * small[0] and wide[1] > small[1]
    h = rtl_unit("ff_hadamard", {"N": 64, "K": 1, "LANES": 4, "KL": 8, "IN_W": 16})
    # 64 words of 22 bits: one select LUT per bit, 8 adders of 22 bits, control
    assert h == (64 * 22 + 8 * 22 + 19, 2 * 64 * 22 + 16)
