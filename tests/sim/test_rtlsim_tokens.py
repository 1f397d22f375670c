"""A sequence input (1, T, C) in the RTL backend: the input streams token by token, channels
fastest (as the HLS backend and the integer emulation order it), and a Dense applied to each
token is one ff_mvau run T times; a constant added to (a position embedding) or multiplied
with the activations is an ff_affine. Bit-exact in cocotb (Verilator) against the emulation,
the RTL interval equal to the schedule's and the latency within 2 % or 2 cycles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import fpgaforge
from fpgaforge.errors import FpgaforgeError
from fpgaforge.flow import build
from fpgaforge.hls import run_csim
from fpgaforge.ir.graph import Graph
from fpgaforge.sim.rtlsim import run_rtlsim


def token_mlp(tokens: int = 4, c: int = 8, hidden: int = 16) -> Graph:
    """x (1, T, C) → MatMul + bias → ReLU → MatMul: two per-token Dense layers."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array((rng.standard_normal((c, hidden)) / 3).astype(np.float32), "w1"),
        numpy_helper.from_array((rng.standard_normal(hidden) / 4).astype(np.float32), "b1"),
        numpy_helper.from_array((rng.standard_normal((hidden, c)) / 4).astype(np.float32), "w2"),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h"]),
        helper.make_node("Add", ["h", "b1"], ["hb"]),
        helper.make_node("Relu", ["hb"], ["r"]),
        helper.make_node("MatMul", ["r", "w2"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tokmlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, tokens, c])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, tokens, c])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return fpgaforge.load(model)


def position_net(tokens: int = 4, c: int = 8) -> Graph:
    """x (1, T, C) + a (1, T, C) position table → MatMul → × a scalar (fused behind it)."""
    rng = np.random.default_rng(1)
    inits = [
        numpy_helper.from_array(
            (0.3 * rng.standard_normal((1, tokens, c))).astype(np.float32), "pos"
        ),
        numpy_helper.from_array((rng.standard_normal((c, c)) / 3).astype(np.float32), "w"),
        numpy_helper.from_array(np.array(0.35, np.float32), "k"),
    ]
    nodes = [
        helper.make_node("Add", ["x", "pos"], ["a"]),
        helper.make_node("MatMul", ["a", "w"], ["h"]),
        helper.make_node("Mul", ["h", "k"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "posnet",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, tokens, c])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, tokens, c])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return fpgaforge.load(model)


@pytest.mark.csim
@pytest.mark.rtlsim
def test_per_token_dense_is_bit_exact(tmp_path: Path) -> None:
    out = tmp_path / "prj"
    build(token_mlp(), "zcu104", "int8", out, backend="both", vectors=8)
    top = (out / "rtl" / "tokmlp_top.v").read_text()
    assert top.count("ff_mvau #(") == 2 and "over 4 tokens" in top
    assert run_csim(out / "hls").mismatches == 0
    result = run_rtlsim(out, "verilator")
    assert result.passed and result.mismatches == 0, result.detail
    assert result.vectors == 8
    assert result.interval_cycles == result.est_interval_cycles
    est = result.est_latency_cycles
    assert abs(result.latency_cycles - est) <= max(0.02 * est, 2)


@pytest.mark.rtlsim
def test_constant_add_and_mul_are_bit_exact(tmp_path: Path) -> None:
    out = tmp_path / "prj"
    build(position_net(), "zcu104", "int8", out, backend="rtl", vectors=8)
    top = (out / "rtl" / "posnet_top.v").read_text()
    assert top.count("ff_affine #(") == 2
    # the position table is stored whole (8 beats of 4 lanes), the scalar once
    assert ".P(8),\n        .MUL(0)" in top and ".P(1),\n        .MUL(1)" in top
    result = run_rtlsim(out, "verilator")
    assert result.passed and result.mismatches == 0, result.detail
    assert result.interval_cycles == result.est_interval_cycles
    est = result.est_latency_cycles
    # the fused product's two register stages are not in the MVAU stage's estimate
    assert abs(result.latency_cycles - est) <= max(0.02 * est, 2)


def test_rank5_input_is_refused_in_one_sentence(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 2, 2, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 2, 2, 4])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "r5", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with pytest.raises(FpgaforgeError, match="x_quantize.*N×T×C"):
        build(fpgaforge.load(model), "zcu104", "int8", tmp_path / "p", backend="rtl", vectors=2)
