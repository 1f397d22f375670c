"""The state shared by ONNX converters while one model is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper

from fpgaforge.errors import NonConstantInputError, UnsupportedOpError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Provenance
from fpgaforge.ir.value import Value


class ImportContext:
    """What a converter sees of the model being imported.

    A converter reads the current ONNX node through `attr`, `input`,
    `const_input`; it builds fpgaforge nodes with `emit` and returns the
    values that stand for the ONNX node's outputs.
    """

    def __init__(self, graph: Graph, opset: int, domain_opsets: dict[str, int]) -> None:
        self.graph = graph
        self.opset = opset
        self.domain_opsets = domain_opsets
        self.node: onnx.NodeProto | None = None
        self.node_name = ""
        self.inputs: list[Value | None] = []

    # ---- reading the current node ---------------------------------------
    def begin(self, node: onnx.NodeProto, name: str, inputs: list[Value | None]) -> None:
        self.node = node
        self.node_name = name
        self.inputs = inputs
        self._attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}

    @property
    def op_type(self) -> str:
        assert self.node is not None
        return self.node.op_type

    @property
    def source(self) -> Provenance:
        return Provenance(self.node_name, self.op_type, self.opset)

    def has_attr(self, name: str) -> bool:
        return name in self._attrs

    def attr(self, name: str, default: Any = None) -> Any:
        """Attribute `name` as Python (bytes decoded to str, lists as tuples)."""
        value = self._attrs.get(name, default)
        if isinstance(value, bytes):
            return value.decode()
        if isinstance(value, list):
            return tuple(v.decode() if isinstance(v, bytes) else v for v in value)
        if isinstance(value, onnx.TensorProto):
            return onnx.numpy_helper.to_array(value)
        return value

    def input(self, index: int) -> Value | None:
        """Input `index` of the ONNX node, or None when absent (empty name or past the end)."""
        return self.inputs[index] if index < len(self.inputs) else None

    def require_input(self, index: int, role: str) -> Value:
        value = self.input(index)
        if value is None:
            raise self.unsupported(f"its {role} input (input {index}) is missing")
        return value

    def const_input(self, index: int, role: str, default: Any = None) -> np.ndarray | None:
        """Input `index` as numpy data; it must be known at import time."""
        value = self.input(index)
        if value is None:
            return None if default is None else np.asarray(default)
        if value.const is None:
            raise NonConstantInputError(
                f"Input {index} ({role}) of node {self.node_name!r} ({self.op_type}) is computed at run time, "
                f"but fpgaforge needs it at import time; make {value.name!r} an initializer or constant "
                f"(bind dynamic shapes with input_shapes so shape arithmetic folds)."
            )
        return value.const

    def unsupported(self, detail: str) -> UnsupportedOpError:
        """An error naming the current node, for a variant fpgaforge does not handle."""
        return UnsupportedOpError(self.node_name, self.op_type, self.opset, detail)

    # ---- building fpgaforge nodes ----------------------------------------
    def emit(
        self,
        op: str,
        inputs: Sequence[Value | None],
        attrs: dict[str, Any] | None = None,
        *,
        num_outputs: int | None = None,
    ) -> list[Value]:
        """Append an fpgaforge node standing for (part of) the current ONNX node."""
        node = self.graph.add_node(
            op,
            inputs,
            name=self.node_name,
            attrs=attrs,
            source=self.source,
            num_outputs=num_outputs,
        )
        return list(node.outputs)

    def emit1(
        self, op: str, inputs: Sequence[Value | None], attrs: dict[str, Any] | None = None
    ) -> Value:
        return self.emit(op, inputs, attrs, num_outputs=1)[0]

    def constant(self, data: Any, hint: str = "const") -> Value:
        """A new constant value named after the current node."""
        return self.graph.add_constant(f"{self.node_name}_{hint}", np.asarray(data))
