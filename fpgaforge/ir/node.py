"""Nodes: one operation of fpgaforge's op set, with where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from fpgaforge.errors import cut
from fpgaforge.ir.quant_info import QuantInfo
from fpgaforge.ir.value import Value


@dataclass(frozen=True)
class Provenance:
    """Where a node came from in the user's model (ONNX node name, op_type, opset)."""

    name: str
    op_type: str
    opset: int | None = None

    def __str__(self) -> str:
        return f"{self.name!r} ({self.op_type})"


@dataclass(eq=False)
class Node:
    """One operation. `op` names an entry of the op registry (`fpgaforge.ir.ops`)."""

    op: str
    name: str
    inputs: list[Value | None]
    outputs: list[Value]
    attrs: dict[str, Any] = field(default_factory=dict)
    source: Provenance | None = None
    quant: QuantInfo = field(default_factory=QuantInfo)
    """What quantization decided for this node beyond `attrs` and its values' types: the
    weight format, an activation's lookup table or clip codes (see `QuantInfo`). Unlike
    `attrs` it does not change the op's float semantics. Replace it, never edit it."""

    @property
    def annotations(self) -> Mapping[str, Any]:
        """Deprecated read-only view of `quant` under the old string keys (`shift_add`,
        `k_hot`, `nm_sparsity`, `table`, `clip_codes`), kept for code not yet moved to
        the typed fields; new code reads `node.quant`."""
        return MappingProxyType(self.quant.legacy_annotations())

    def __repr__(self) -> str:
        return f"<Node {self.name!r} {self.op}>"

    def where(self) -> str:
        """A phrase naming this node for error messages, e.g. `node 'conv1' (Conv from ONNX 'Conv_0')`."""
        text = f"node {cut(self.name)} ({self.op}"
        if self.source is not None and self.source.name != self.name:
            text += f" from ONNX {str(self.source.op_type)[:40]} {cut(self.source.name)}"
        return text + ")"

    def input(self, index: int) -> Value | None:
        """The input at `index`, or None when it is absent (optional input)."""
        return self.inputs[index] if index < len(self.inputs) else None

    def const_input(self, index: int):
        """The constant data of input `index` (None when absent or not constant)."""
        value = self.input(index)
        return None if value is None else value.const
