"""Graph building, use-def links, validation, passes and printing."""

from __future__ import annotations

import numpy as np
import pytest

from fpgaforge.errors import GraphError, PassError, ShapeError
from fpgaforge.ir import Graph, execute
from fpgaforge.ir.passes import FunctionPass, PassManager


def _mlp() -> Graph:
    g = Graph("mlp")
    x = g.add_input("x", (1, 4))
    w = g.add_constant("w", np.arange(12, dtype=np.float32).reshape(3, 4))
    b = g.add_constant("b", np.ones(3, np.float32))
    h = g.add_node("Dense", [x, w, b], name="fc").outputs[0]
    y = g.add_node("Activation", [h], name="act", attrs={"func": "relu"}).outputs[0]
    g.outputs = [y]
    return g


def test_use_def_links_and_shapes() -> None:
    g = _mlp()
    g.validate()
    fc, act = g.nodes
    assert fc.outputs[0].shape == (1, 3)
    assert fc.outputs[0].users == [act]
    assert act.inputs[0].producer is fc
    assert g.inputs[0].users == [fc]
    assert {v.name for v in g.constants()} == {"w", "b"}


def test_shape_rule_errors_name_the_node() -> None:
    g = Graph()
    x = g.add_input("x", (1, 5))
    w = g.add_constant("w", np.zeros((3, 4), np.float32))
    with pytest.raises(ShapeError, match="at node 'bad_fc' \\(Dense\\)"):
        g.add_node("Dense", [x, w], name="bad_fc")


def test_unknown_op_and_attribute() -> None:
    g = Graph()
    x = g.add_input("x", (1, 5))
    with pytest.raises(GraphError, match="Unknown fpgaforge op 'Frobnicate'"):
        g.add_node("Frobnicate", [x])
    with pytest.raises(GraphError, match="has no attribute"):
        g.add_node("Activation", [x], attrs={"func": "relu", "colour": 3})


def test_unique_names() -> None:
    g = Graph()
    x = g.add_input("x", (1, 2))
    a = g.add_node("Activation", [x], name="relu", attrs={"func": "relu"})
    b = g.add_node("Activation", [a.outputs[0]], name="relu", attrs={"func": "relu"})
    assert a.name != b.name
    assert a.outputs[0].name != b.outputs[0].name


def test_toposort_restores_order_and_detects_use_before_def() -> None:
    g = _mlp()
    g.nodes.reverse()
    with pytest.raises(GraphError, match="before it is produced"):
        g.validate()
    g.toposort()
    g.validate()
    assert [n.name for n in g.nodes] == ["fc", "act"]


def test_replace_uses_and_dead_code() -> None:
    g = _mlp()
    fc, act = g.nodes
    g.replace_uses(act.outputs[0], fc.outputs[0])
    assert g.outputs == [fc.outputs[0]]
    assert g.remove_dead_nodes() == 1
    assert [n.name for n in g.nodes] == ["fc"]
    g.validate()


def test_copy_is_independent() -> None:
    g = _mlp()
    c = g.copy()
    c.nodes[1].attrs["func"] = "sigmoid"
    assert g.nodes[1].attrs["func"] == "relu"
    x = {"x": np.ones((2, 4), np.float32)}
    assert not np.allclose(execute(g, x)["act"], execute(c, x)["act"])


def test_pass_manager_names_failing_pass() -> None:
    def broken(graph: Graph) -> bool:
        graph.find_node("missing")
        return False

    with pytest.raises(
        PassError, match="^Pass 'broken' failed: The graph 'mlp' has no node named 'missing'."
    ):
        PassManager([FunctionPass("broken", broken)]).run(_mlp())


def test_pass_manager_fixed_point() -> None:
    calls = []

    def shrink(graph: Graph) -> bool:
        calls.append(len(graph.nodes))
        if len(graph.nodes) > 1:
            graph.replace_uses(graph.nodes[-1].outputs[0], graph.nodes[-1].inputs[0])
            graph.remove_dead_nodes()
            return True
        return False

    PassManager([FunctionPass("shrink", shrink)], fixed_point=True).run(_mlp())
    assert calls == [2, 1]


def test_print_graph_table() -> None:
    text = str(_mlp())
    assert "Graph 'mlp'" in text
    assert "Dense" in text and "func=relu" in text
    assert "total: 2 nodes, 15 parameters, 12 MACs" in text


def test_provenance_survives_import() -> None:
    from pathlib import Path

    import fpgaforge

    graph = fpgaforge.load(
        Path(__file__).resolve().parents[2] / "examples" / "models" / "digits_cnn.onnx"
    )
    assert all(node.source is not None and node.source.op_type for node in graph.nodes)
    conv = graph.nodes[0]
    assert conv.op == "Conv" and conv.source.op_type == "Conv"
