"""The integer LayerNorm: close to float, exact against an independent computation of
its definition, epsilon on a constant row, and the refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge
from fpgaforge.errors import QuantizationError
from fpgaforge.ir.ops.table_int import layernorm_codes
from fpgaforge.quant.lower.layernorm import rsqrt_table
from fpgaforge.quant.lut import LookupTable

RNG = np.random.default_rng(3)


def _model(tmp_path, n: int = 32):
    scale = (1 + 0.3 * RNG.standard_normal(n)).astype(np.float32)
    bias = (0.2 * RNG.standard_normal(n)).astype(np.float32)
    inits = [numpy_helper.from_array(bias, "bias"), numpy_helper.from_array(scale, "scale")]
    nodes = [helper.make_node("LayerNormalization", ["x", "scale", "bias"], ["y"], axis=-1)]
    graph = helper.make_graph(
        nodes,
        "ln",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, n])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, n])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return fpgaforge.load(model)


def test_close_to_float(tmp_path) -> None:
    graph = _model(tmp_path)
    x = RNG.uniform(-1, 1, (16, 8, 32)).astype(np.float32)
    qgraph = fpgaforge.quantize(graph, "int8", calibration=[{"x": x}])
    ref = np.asarray(fpgaforge.execute(graph, {"x": x})["y"], np.float64)
    got = np.asarray(fpgaforge.execute(qgraph, {"x": x})[qgraph.outputs[0].name], np.float64)
    sqnr = 10 * np.log10((ref**2).sum() / ((ref - got) ** 2).sum())
    assert sqnr > 35, sqnr


def test_codes_match_the_definition() -> None:
    """Every row's bits from a plain loop over the documented steps (no numpy shortcuts)."""
    table = LookupTable(0, 0, rsqrt_table(10, 16))
    x = RNG.integers(-128, 128, (5, 24))
    x[1] = RNG.integers(-3, 4, 24)
    gamma, beta = RNG.integers(-(1 << 15), 1 << 15, 24), RNG.integers(-(1 << 20), 1 << 20, 24)
    got = layernorm_codes(x, 1, gamma, beta, table, 11, 16, 10)
    for row, out in zip(x.tolist(), got.tolist(), strict=True):
        n, s = len(row), sum(row)
        v = n * sum(c * c for c in row) - s * s + 11
        t = 0
        while v >> t >= 1024:
            t += 2
        r = round(2**16 / math.sqrt(max(v >> t, 1)))
        shift = 16 + t // 2 - 10
        for i, c in enumerate(row):
            z = ((n * c - s) * r + (1 << (shift - 1))) >> shift
            assert out[i] == z * int(gamma[i]) + int(beta[i])


def test_constant_row_gives_beta() -> None:
    table = LookupTable(0, 0, rsqrt_table())
    x = np.full((1, 16), 9)
    beta = np.arange(16)
    assert layernorm_codes(x, 1, np.full(16, 7), beta, table, 40, 16, 10).tolist() == [
        beta.tolist()
    ]


def test_too_wide_input_is_refused_naming_the_node(tmp_path) -> None:
    graph = _model(tmp_path)
    with pytest.raises(QuantizationError, match=r"LayerNorm.*62 bits.*fewer bits"):
        fpgaforge.quantize(graph, "int32")
