"""The Mamba-2 ops of the IR: SSM step and scan, causal conv1d, RMSNorm, Hadamard."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.errors import ShapeError
from fpgaforge.ir import Graph, execute
from fpgaforge.numerics import hadamard

RNG = np.random.default_rng(0)


def _rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _ssm_graph(
    n: int, h: int, p: int, g: int, s: int, consts: dict | None = None
) -> tuple[Graph, dict]:
    graph = Graph("ssm")
    x = graph.add_input("x", (n, h, p))
    dt = graph.add_input("dt", (n, h))
    b = graph.add_input("B", (n, g, s))
    c = graph.add_input("C", (n, g, s))
    state = graph.add_input("state", (n, h, p, s))
    consts = consts or {"A": -np.exp(_rand(h)), "D": _rand(h), "dt_bias": _rand(h)}
    a, d, bias = (graph.add_constant(k, v) for k, v in consts.items())
    node = graph.add_node("SSMStep", [x, dt, a, b, c, d, bias, state], output_names=["y", "h"])
    graph.outputs = list(node.outputs)
    return graph, consts


def _loops(x, dt, a, b, c, d, bias, state):
    """The SSM update written element by element."""
    n, h, p = x.shape
    g, s = b.shape[1:]
    y = np.zeros((n, h, p))
    new = np.zeros_like(state, dtype=np.float64)
    for i in range(n):
        for hh in range(h):
            gg = hh // (h // g)
            delta = float(np.log1p(np.exp(dt[i, hh] + bias[hh])))
            decay = np.exp(delta * a[hh])
            for pp in range(p):
                for ss in range(s):
                    new[i, hh, pp, ss] = (
                        state[i, hh, pp, ss] * decay + delta * b[i, gg, ss] * x[i, hh, pp]
                    )
                    y[i, hh, pp] += new[i, hh, pp, ss] * c[i, gg, ss]
                y[i, hh, pp] += d[hh] * x[i, hh, pp]
    return y, new


def test_ssm_step_matches_element_loops() -> None:
    n, h, p, g, s = 2, 4, 3, 2, 5
    graph, consts = _ssm_graph(n, h, p, g, s)
    feeds = {
        "x": _rand(n, h, p),
        "dt": _rand(n, h),
        "B": _rand(n, g, s),
        "C": _rand(n, g, s),
        "state": _rand(n, h, p, s),
    }
    out = execute(graph, feeds)
    y, new = _loops(
        feeds["x"], feeds["dt"], consts["A"], feeds["B"], feeds["C"], consts["D"],
        consts["dt_bias"], feeds["state"],
    )  # fmt: skip
    np.testing.assert_allclose(out["y"], y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out["h"], new, rtol=1e-5, atol=1e-5)


def test_scan_equals_steps_and_conv_scan_equals_conv_steps() -> None:
    n, length, h, p, g, s = 1, 6, 2, 2, 1, 3
    graph = Graph("scan")
    x = graph.add_input("x", (n, length, h, p))
    dt = graph.add_input("dt", (n, length, h))
    b = graph.add_input("B", (n, length, g, s))
    c = graph.add_input("C", (n, length, g, s))
    a = graph.add_constant("A", -np.exp(_rand(h)))
    d = graph.add_constant("D", _rand(h))
    bias = graph.add_constant("dt_bias", _rand(h))
    node = graph.add_node("SSMScan", [x, dt, a, b, c, d, bias], output_names=["y", "h"])
    graph.outputs = list(node.outputs)
    feeds = {"x": _rand(n, length, h, p), "dt": _rand(n, length, h)}
    feeds |= {"B": _rand(n, length, g, s), "C": _rand(n, length, g, s)}
    out = execute(graph, feeds)
    step, _ = _ssm_graph(n, h, p, g, s, {"A": a.const, "D": d.const, "dt_bias": bias.const})
    state = np.zeros((n, h, p, s), np.float32)
    for t in range(length):
        res = execute(
            step,
            {"x": feeds["x"][:, t], "dt": feeds["dt"][:, t], "B": feeds["B"][:, t],
             "C": feeds["C"][:, t], "state": state},
        )  # fmt: skip
        np.testing.assert_allclose(out["y"][:, t], res["y"], rtol=1e-5, atol=1e-6)
        state = res["h"]
    np.testing.assert_allclose(out["h"], state, rtol=1e-5, atol=1e-6)

    conv = Graph("conv")
    xs = conv.add_input("x", (1, 5, 3))
    w = conv.add_constant("w", _rand(3, 4))
    cb = conv.add_constant("b", _rand(3))
    conv.outputs = list(conv.add_node("CausalConv1d", [xs, w, cb], output_names=["y", "s"]).outputs)
    one = Graph("conv_step")
    x1 = one.add_input("x", (1, 3))
    s1 = one.add_input("state", (1, 3, 3))
    one.outputs = list(
        one.add_node("CausalConv1d", [x1, w, cb, s1], output_names=["y", "s"]).outputs
    )
    seq = _rand(1, 5, 3)
    whole = execute(conv, {"x": seq})
    state = np.zeros((1, 3, 3), np.float32)
    for t in range(5):
        res = execute(one, {"x": seq[:, t], "state": state})
        state = res["s"]
        np.testing.assert_allclose(res["y"], whole["y"][:, t], rtol=1e-5, atol=1e-6)
    expected = (
        sum(np.pad(seq[0], ((3, 0), (0, 0)))[j : j + 5] * w.const[:, j] for j in range(4))
        + cb.const
    )
    np.testing.assert_allclose(whole["y"][0], expected, rtol=1e-5, atol=1e-5)


def test_gated_rmsnorm_in_groups() -> None:
    graph = Graph("norm")
    x = graph.add_input("x", (2, 8))
    z = graph.add_input("z", (2, 8))
    w = graph.add_constant("w", _rand(8))
    node = graph.add_node(
        "RMSNorm", [x, w, z], attrs={"epsilon": 1e-5, "group_size": 4}, output_names=["y"]
    )
    graph.outputs = list(node.outputs)
    xs, zs = _rand(2, 8), _rand(2, 8)
    gated = xs * zs / (1 + np.exp(-zs))
    parts = gated.reshape(2, 2, 4)
    expected = (parts / np.sqrt((parts**2).mean(-1, keepdims=True) + 1e-5)).reshape(2, 8) * w.const
    np.testing.assert_allclose(execute(graph, {"x": xs, "z": zs})["y"], expected, rtol=1e-5)


@pytest.mark.parametrize("n", [1, 8, 12, 20, 28, 40, 48, 80, 112, 2560])
def test_hadamard_sizes_are_orthogonal(n: int) -> None:
    h = hadamard.matrix(n)
    assert set(np.unique(h)) <= {-1, 1}
    hf = h.astype(np.float64)
    assert (hf @ hf.T == n * np.eye(n)).all()
    graph = Graph("had")
    x = graph.add_input("x", (3, n))
    graph.outputs = list(graph.add_node("Hadamard", [x], name="rot").outputs)
    xs = _rand(3, n)
    y = execute(graph, {"x": xs})["rot"]
    np.testing.assert_allclose(y, xs @ h.T / np.sqrt(n), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(xs, axis=1), rtol=1e-4)
    codes = RNG.integers(-8, 8, (3, n))
    assert (hadamard.transform(codes) == codes @ h.T).all()


def test_hadamard_without_construction_names_the_node() -> None:
    graph = Graph("bad")
    x = graph.add_input("x", (1, 36))
    with pytest.raises(ShapeError, match=r"size 36 has no construction.*'rot_36'"):
        graph.add_node("Hadamard", [x], name="rot_36")
