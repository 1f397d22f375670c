"""The reference executor: batches, chunking, intermediate outputs."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.errors import FeedError
from fpgaforge.ir import Graph, execute


def _batch_mixing_graph() -> Graph:
    """A graph whose Transpose moves the batch axis, so it only runs in static-batch chunks."""
    g = Graph("mix")
    x = g.add_input("x", (2, 3))
    t = g.add_node("Transpose", [x], attrs={"perm": (1, 0)}).outputs[0]
    y = g.add_node("Transpose", [t], attrs={"perm": (1, 0)}).outputs[0]
    g.outputs = [y]
    return g


def test_any_batch_on_batch_safe_graph() -> None:
    g = Graph()
    x = g.add_input("x", (1, 3))
    g.outputs = [g.add_node("Activation", [x], attrs={"func": "relu"}).outputs[0]]
    data = np.random.default_rng(0).normal(size=(7, 3)).astype(np.float32)
    np.testing.assert_array_equal(execute(g, {"x": data})[g.outputs[0].name], np.maximum(data, 0))


def test_batch_mixing_graph_runs_in_chunks() -> None:
    g = _batch_mixing_graph()
    data = np.arange(24, dtype=np.float32).reshape(8, 3)
    np.testing.assert_array_equal(execute(g, {"x": data})[g.outputs[0].name], data)
    with pytest.raises(FeedError, match="multiple of 2"):
        execute(g, {"x": data[:5]})


def test_intermediate_outputs() -> None:
    g = Graph()
    x = g.add_input("x", (1, 2))
    h = g.add_node("Activation", [x], name="neg", attrs={"func": "neg"}).outputs[0]
    g.outputs = [g.add_node("Activation", [h], name="relu", attrs={"func": "relu"}).outputs[0]]
    result = execute(g, {"x": np.array([[1.0, -2.0]], np.float32)}, outputs=["neg", "relu"])
    np.testing.assert_array_equal(result["neg"], [[-1.0, 2.0]])
    np.testing.assert_array_equal(result["relu"], [[0.0, 2.0]])


def test_dtype_mismatch_is_reported() -> None:
    g = Graph()
    x = g.add_input("x", (1, 2))
    g.outputs = [g.add_node("Activation", [x], attrs={"func": "relu"}).outputs[0]]
    with pytest.raises(FeedError, match="has dtype int64, but the graph expects float32"):
        execute(g, {"x": np.array([[1, 2]])})
