"""Per-op quantization rule tables: what they hold, and the error for an op without a rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fpgaforge.errors import QuantizationError
from fpgaforge.ir import Graph
from fpgaforge.numerics.types import Fixed
from fpgaforge.quant import quantize, save_qonnx
from fpgaforge.quant.lower import INTEGER_RULES, lower
from fpgaforge.quant.plan import KEEPS_TYPE_RULES, PARAMETER_RULES, TypePlan
from fpgaforge.quant.qonnx import EMITTERS
from fpgaforge.quant.rules import RuleTable


def _reduce_graph() -> Graph:
    g = Graph("s")
    x = g.add_input("x", (1, 4))
    node = g.add_node("Reduce", [x], name="cut", attrs={"kind": "prod"})
    g.outputs = [node.outputs[0]]
    return g


def test_the_tables_hold_the_ops_of_the_former_central_tables() -> None:
    integer = (
        "Activation Add Affine Concat Conv Dense DepthwiseConv Gather GlobalPool MatMul Mul Pad "
        "Pool Reshape Resize Slice Split Sub Transpose"
    ).split()
    assert set(INTEGER_RULES.ops()) >= {*integer, "LRN", "Softmax"}
    assert set(EMITTERS.ops()) >= {*integer, "Max", "Min", "LRN", "Softmax"}
    assert PARAMETER_RULES.ops() == ("Affine", "Conv", "Dense", "DepthwiseConv")
    assert KEEPS_TYPE_RULES.ops() == (
        "Activation",
        "Gather",
        "GlobalPool",
        "Pad",
        "Pool",
        "Reshape",
        "Resize",
        "Slice",
        "Split",
        "Transpose",
    )


def test_an_op_without_an_integer_rule_is_one_sentence_listing_the_rules() -> None:
    g = _reduce_graph()
    plan = TypePlan(values={"x": Fixed(8, 3), "cut": Fixed(8, 3)})
    with pytest.raises(QuantizationError) as info:
        lower(g, plan)
    assert str(info.value) == (
        "Node 'cut' (Reduce) cannot be quantized: fpgaforge has no integer implementation "
        f"of Reduce yet; quantizable ops are {', '.join(INTEGER_RULES.ops())}."
    )
    with pytest.raises(QuantizationError, match=r"^Node 'cut' \(Reduce\) cannot be quantized"):
        quantize(g, "fixed:8,3", {"x": np.ones((2, 4), np.float32)})


def test_an_op_without_a_qonnx_emitter_is_one_sentence_listing_the_emitters(
    tmp_path: Path,
) -> None:
    fake = Graph("q")
    fake.metadata.update({"source_graph": _reduce_graph(), "type_plan": TypePlan()})
    with pytest.raises(QuantizationError) as info:
        save_qonnx(fake, tmp_path / "s.onnx")
    assert str(info.value) == (
        "Saving node 'cut' (Reduce) as QONNX is not supported (no ONNX form for Reduce); "
        f"ops with an ONNX form are {', '.join(EMITTERS.ops())}."
    )
    assert not (tmp_path / "s.onnx").exists()


def test_rule_tables_refuse_unknown_ops_and_second_rules() -> None:
    table: RuleTable = RuleTable("test rule")

    @table.rule("Add")
    def first(node) -> None: ...

    with pytest.raises(TypeError, match="'Frobnicate', which is no fpgaforge op"):
        table.rule("Frobnicate")(first)
    with pytest.raises(TypeError, match="second test rule for Add"):

        @table.rule("Add")
        def second(node) -> None: ...

    assert table.ops() == ("Add",) and "Add" in table and table.get("Sub") is None
