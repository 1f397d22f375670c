"""Op traits: every registered op declares them, and `ops_with` answers by them."""

from __future__ import annotations

import pytest

from fpgaforge.errors import GraphError
from fpgaforge.ir.ops import TRAIT_DOCS, OpDef, Trait, get, has_trait, names, ops_with, register


def test_every_registered_op_declares_its_traits() -> None:
    for op in names():
        traits = get(op).traits
        assert isinstance(traits, frozenset), f"{op} declares no traits"
        assert all(isinstance(t, Trait) for t in traits), f"{op}: {traits}"


def test_every_trait_is_documented_in_one_sentence() -> None:
    assert set(TRAIT_DOCS) == set(Trait)
    for trait, doc in TRAIT_DOCS.items():
        assert doc[0].isupper() and doc.endswith(".") and doc.count(". ") == 0, trait


EXPECTED = {
    Trait.WEIGHTED: ("Conv", "Dense", "DepthwiseConv"),
    Trait.CONTRACTING: ("Conv", "Dense", "DepthwiseConv", "MatMul"),
    Trait.ACCUMULATING: ("Add", "Affine", "Conv", "Dense", "DepthwiseConv", "MatMul", "Mul", "Sub"),
    Trait.PASS_THROUGH: ("Gather", "Pad", "Reshape", "Resize", "Slice", "Split", "Transpose"),
    Trait.DATA_MOVEMENT: (
        "Concat",
        "Gather",
        "Pad",
        "Reshape",
        "Resize",
        "Slice",
        "Split",
        "Transpose",
    ),
    Trait.FREE: ("Cast", "Reshape"),
    Trait.QUANTIZER: (
        "BipolarQuant",
        "Dequantize",
        "DequantizeLinear",
        "Quant",
        "Quantize",
        "QuantizeLinear",
        "Requant",
        "Trunc",
    ),
    Trait.WINDOWED: ("Conv", "DepthwiseConv", "Pool"),
    Trait.ELEMENTWISE: (
        "Activation",
        "Add",
        "Affine",
        "BipolarQuant",
        "Cast",
        "Compare",
        "Dequantize",
        "DequantizeLinear",
        "Div",
        "Max",
        "Min",
        "Mul",
        "PRelu",
        "Pow",
        "Quant",
        "Quantize",
        "QuantizeLinear",
        "Requant",
        "Sub",
        "Trunc",
        "Where",
    ),
}


@pytest.mark.parametrize("trait", list(Trait))
def test_ops_with_each_trait(trait: Trait) -> None:
    assert ops_with(trait) == EXPECTED[trait]


def test_ops_with_several_traits_is_their_intersection() -> None:
    assert ops_with(Trait.WEIGHTED, Trait.WINDOWED) == ("Conv", "DepthwiseConv")
    assert ops_with(Trait.DATA_MOVEMENT, Trait.FREE) == ("Reshape",)
    assert ops_with(Trait.QUANTIZER, Trait.DATA_MOVEMENT) == ()


def test_trait_families_nest() -> None:
    def family(trait: Trait) -> set[str]:
        return set(ops_with(trait))

    assert family(Trait.WEIGHTED) <= family(Trait.CONTRACTING) <= family(Trait.ACCUMULATING)
    assert family(Trait.PASS_THROUGH) <= family(Trait.DATA_MOVEMENT)
    assert family(Trait.QUANTIZER) <= family(Trait.ELEMENTWISE)
    assert not family(Trait.DATA_MOVEMENT) & family(Trait.ELEMENTWISE)


def test_has_trait_and_unknown_ops() -> None:
    assert has_trait("Conv", Trait.WEIGHTED)
    assert not has_trait("MatMul", Trait.WEIGHTED)
    with pytest.raises(GraphError, match="Unknown fpgaforge op 'Frobnicate'; known ops: "):
        has_trait("Frobnicate", Trait.FREE)


def test_register_refuses_an_op_without_traits() -> None:
    class Undeclared(OpDef):
        name = "UndeclaredTraitsOp"

    class Stray(OpDef):
        name = "StrayTraitsOp"
        traits = frozenset({"weighted"})

    with pytest.raises(TypeError, match="declares no traits"):
        register(Undeclared)
    with pytest.raises(TypeError, match="not Trait members"):
        register(Stray)
    assert "UndeclaredTraitsOp" not in names() and "StrayTraitsOp" not in names()
