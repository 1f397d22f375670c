"""The precision adapter reads widths from numeric types by attribute (stand-ins and real types)."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.quant_info import QuantInfo, WeightFormat
from fpgaforge.units.cost.precision import FLOAT_AS_FIXED_BITS, node_precision, type_bits
from tests.dataflow.graphs import Fixed, Int


def test_type_bits_of_each_kind() -> None:
    assert type_bits(Fixed(8, 3)).bits == 8
    assert type_bits(Int(4, signed=False)) == type_bits(Int(4, signed=False))
    assert not type_bits(Int(4, signed=False)).signed
    f = type_bits(np.dtype(np.float32))
    assert f.bits == FLOAT_AS_FIXED_BITS and f.assumed
    assert type_bits(np.dtype(np.int8)).bits == 8


def test_real_quant_types_when_available() -> None:
    types = pytest.importorskip("fpgaforge.numerics.types")
    assert type_bits(types.Fixed(8, 3)).bits == 8
    assert type_bits(types.Int(4, signed=True)).bits == 4


def _dense(
    wbits: int, abits: int, obits: int | None = None, weights: WeightFormat | None = None
) -> Graph:
    g = Graph("d")
    x = g.add_input("x", (1, 16))
    w = g.add_constant("w", np.zeros((4, 16), np.float32))
    node = g.add_node("Dense", [x, w], name="fc")
    x.dtype = Int(abits)
    w.dtype = Int(wbits)
    node.outputs[0].dtype = Int(obits) if obits else np.dtype(np.float32)
    if weights is not None:
        node.quant = QuantInfo(weights=weights)
    return g


def test_node_precision_dense() -> None:
    p = node_precision(_dense(4, 8, 20).nodes[0])
    assert (p.weight_bits, p.act_bits, p.out_bits, p.acc_bits) == (4, 8, 20, 20)
    # float output: accumulator = 4 + 8 + log2(16) = 16
    q = node_precision(_dense(4, 8).nodes[0])
    assert q.acc_bits == 16 and q.assumed
    s = node_precision(_dense(8, 8, 24, weights=WeightFormat.k_hot(3)).nodes[0])
    assert s.shift_add and s.k_hot == 3
