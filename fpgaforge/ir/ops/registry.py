"""The op registry: each fpgaforge op is defined once, here and in its module.

An `OpDef` gives an op its attributes (with defaults), its traits, its shape
rule, its float semantics (numpy) and its cost in multiply-accumulates. The
reference executor calls `compute`; the graph builder calls `infer`. Passes ask
for op families by trait (`ops_with`, `has_trait`) instead of listing op names.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from fpgaforge.errors import GraphError, QuantizationError, ShapeError

if TYPE_CHECKING:
    from fpgaforge.ir.node import Node

TensorType = tuple[tuple[int, ...], Any]
"""(static shape, dtype) of one output."""

_REGISTRY: dict[str, OpDef] = {}


class Trait(StrEnum):
    """A declared property of an op; `TRAIT_DOCS` says what each one means."""

    WEIGHTED = "weighted"
    CONTRACTING = "contracting"
    ACCUMULATING = "accumulating"
    ELEMENTWISE = "elementwise"
    PASS_THROUGH = "pass_through"
    DATA_MOVEMENT = "data_movement"
    FREE = "free"
    QUANTIZER = "quantizer"
    WINDOWED = "windowed"


TRAIT_DOCS: dict[Trait, str] = {
    Trait.WEIGHTED: "Input 1 is a constant weight tensor (input 2 an optional bias) that the op "
    "contracts with its activation, and quantization gives the weights their own type.",
    Trait.CONTRACTING: "Each output is a sum of products over a reduction axis (a dot product), "
    "so the op is the anchor of a multiply-accumulate array.",
    Trait.ACCUMULATING: "Its integer form yields a wide sum or product of codes (an accumulator) "
    "that a Requant narrows to the output type, and a ReLU right after it runs on the accumulator.",
    Trait.ELEMENTWISE: "Each output element depends only on the input elements at the same "
    "position (constants and second operands broadcast).",
    Trait.PASS_THROUGH: "Its integer form copies codes from its one activation input, so its "
    "outputs keep the input's numeric type.",
    Trait.DATA_MOVEMENT: "It rearranges, selects, pads or replicates elements without computing "
    "new values (Resize in linear mode excepted).",
    Trait.FREE: "A dataflow design spends no hardware on it: the stream passes unchanged or is "
    "only relabelled.",
    Trait.QUANTIZER: "It converts between real values and integer codes, or between numeric "
    "types (a quantization boundary).",
    Trait.WINDOWED: "It slides a kernel window over the spatial axes, with its own strides, "
    "pads and dilations.",
}


class OpDef:
    """Definition of one op. Subclasses set `name`, `attrs` and `traits` and implement
    `infer` and `compute`; `macs` and `batch_safe` have defaults."""

    name: ClassVar[str] = ""
    traits: ClassVar[frozenset[Trait] | None] = None
    """The op's traits (see `Trait`); every registered op declares them, if only as
    an empty frozenset."""
    attrs: ClassVar[dict[str, Any]] = {}
    """Attribute names with their defaults; `REQUIRED` marks mandatory ones."""
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    doc: ClassVar[str] = ""

    def infer(self, node: Node) -> list[TensorType]:
        """Output shapes and dtypes from the inputs' and the attributes'."""
        raise NotImplementedError

    def compute(self, node: Node, *inputs: np.ndarray | None) -> list[np.ndarray]:
        """Float (numpy) semantics. Inputs are full arrays, batch dimension first."""
        raise NotImplementedError

    integer_exact: ClassVar[bool] = False
    """True when `compute` is already exact on integer codes (data movement, max,
    integer matmul); `compute_int` then reuses it."""

    narrow_codes: ClassVar[bool] = False
    """True when `compute_int` takes codes stored in int16, int32 or int64 (see
    `fpgaforge.ir.codes`), keeps every intermediate within its dtype and returns any
    integer dtype; otherwise the executor hands it int64 codes only."""

    def compute_int(self, node: Node, *codes: np.ndarray | None) -> list[np.ndarray]:
        """Integer semantics on the codes of a quantized node (see docs/numerics.md)."""
        if self.integer_exact:
            return self.compute(node, *codes)
        raise QuantizationError(
            f"{node.where()[0].upper()}{node.where()[1:]} has no integer semantics for "
            f"{node.attrs.get('func') or node.attrs.get('kind') or self.name}; keep it in float or quantize it differently."
        )

    def macs(self, node: Node) -> int:
        """Multiply-accumulates of one inference at the graph's static batch."""
        return 0

    def batch_safe(self, node: Node) -> bool:
        """True when the op treats dimension 0 as independent samples, so the
        executor may run it on any batch size."""
        return True

    # helpers shared by op definitions -------------------------------------
    @staticmethod
    def fail(node: Node, message: str) -> ShapeError:
        return ShapeError(f"{message[0].upper()}{message[1:]} at {node.where()}.")


REQUIRED = object()
"""Sentinel default for attributes that must be given."""


def register(cls: type[OpDef]) -> type[OpDef]:
    """Class decorator adding an op definition to the registry."""
    if not cls.name:
        raise TypeError(f"{cls.__name__} has no op name")
    if cls.name in _REGISTRY:
        raise TypeError(f"op {cls.name!r} is registered twice")
    if not isinstance(cls.traits, frozenset):
        raise TypeError(
            f"op {cls.name!r} declares no traits; set `traits` to a frozenset of Trait "
            f"(empty when none applies)"
        )
    strays = [t for t in cls.traits if not isinstance(t, Trait)]
    if strays:
        raise TypeError(f"op {cls.name!r} has traits that are not Trait members: {strays}")
    _REGISTRY[cls.name] = cls()
    return cls


def get(op: str) -> OpDef:
    """The definition of `op`; a GraphError names the known ops when it is unknown."""
    try:
        return _REGISTRY[op]
    except KeyError:
        raise GraphError(
            f"Unknown fpgaforge op {op!r}; known ops: {', '.join(sorted(_REGISTRY))}."
        ) from None


def names() -> list[str]:
    """All registered op names, sorted."""
    return sorted(_REGISTRY)


def ops_with(trait: Trait, *more: Trait) -> tuple[str, ...]:
    """Names of the registered ops that have every trait given, sorted."""
    wanted = {trait, *more}
    return tuple(
        name for name, definition in sorted(_REGISTRY.items()) if wanted <= definition.traits
    )


def has_trait(op: str, trait: Trait) -> bool:
    """True when the registered op `op` has `trait` (a GraphError names unknown ops)."""
    traits = get(op).traits
    assert traits is not None
    return trait in traits


def normalize_attrs(op: str, attrs: dict[str, Any], where: Callable[[], str]) -> dict[str, Any]:
    """Fill defaults and reject unknown or missing attributes of `op`."""
    definition = get(op)
    unknown = set(attrs) - set(definition.attrs)
    if unknown:
        raise GraphError(
            f"Op {op} has no attribute(s) {', '.join(sorted(unknown))} at {where()}; "
            f"it takes {', '.join(sorted(definition.attrs)) or 'none'}."
        )
    full = {}
    for key, default in definition.attrs.items():
        if key in attrs:
            full[key] = attrs[key]
        elif default is REQUIRED:
            raise GraphError(f"Op {op} needs attribute {key!r} at {where()}.")
        else:
            full[key] = default
    return full
