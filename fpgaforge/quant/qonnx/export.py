"""Writing a quantized graph as QONNX: the exporter and its emitter table.

The exporter walks the float source graph, writes each node through the emitter
of its op (`EMITTERS`, filled by `@emitter("Op", ...)` next to each emitter in
this package's family modules), and puts a QONNX `Quant` node on every tensor the
plan types. The exact fpgaforge types ride along as JSON in the model's metadata.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.numerics.convert import by_chunks, lsb, quantize_real
from fpgaforge.numerics.fixed import to_float
from fpgaforge.numerics.modes import Rounding
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.plan import TypePlan, plan_to_json
from fpgaforge.quant.qonnx.stream import write_model
from fpgaforge.quant.rules import RuleTable

QONNX_DOMAIN = "qonnx.custom_op.general"
METADATA_KEY = "fpgaforge.type_plan"
EXPORT_OPSET = 13

# ap_fixed rounding → QONNX rounding_mode (nearest equivalents; exact modes live in metadata)
_ROUNDING_NAMES = {
    Rounding.TRN: "FLOOR",
    Rounding.TRN_ZERO: "ROUND_TO_ZERO",
    Rounding.RND: "HALF_UP",
    Rounding.RND_CONV: "ROUND",
    Rounding.RND_ZERO: "HALF_DOWN",
    Rounding.RND_INF: "HALF_UP",
    Rounding.RND_MIN_INF: "HALF_DOWN",
}

Emitter = Callable[["Exporter", Node, list, list], None]

EMITTERS: RuleTable[Emitter] = RuleTable(
    "QONNX emitter",
    missing="Saving {where} as QONNX is not supported (no ONNX form for {op}); "
    "ops with an ONNX form are {ops}.",
)
"""Each op's emitter: `emit(exporter, node, input_names, output_names)` appends the
ONNX nodes of one fpgaforge node."""

emitter = EMITTERS.rule
"""Decorator: `@emitter("Conv", "DepthwiseConv")` makes the function those ops' emitter."""


def save_qonnx(qgraph: Graph, path: str | os.PathLike) -> Path:
    """Write a quantized graph (from `fpgaforge.quantize` or `qfx.export`) as QONNX."""
    source: Graph | None = qgraph.metadata.get("source_graph")
    plan: TypePlan | None = qgraph.metadata.get("type_plan")
    if source is None or plan is None:
        raise QuantizationError(
            f"Graph {qgraph.name!r} is not a quantized graph from fpgaforge; quantize it first."
        )
    exporter = Exporter(source, plan)
    skeleton = exporter.skeleton()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_model(skeleton, exporter.take_initializers(), path)
    return path


def grid_values(data: np.ndarray, t: NumericType) -> np.ndarray:
    """The real values of `data` quantized to `t` (`to_float(quantize_real(data, t), t)`) as
    float32, computed piece by piece (`by_chunks`; the same element by element)."""
    values = by_chunks(
        data, t, lambda piece: to_float(quantize_real(np.asarray(piece, np.float64), t), t),
        np.float32,
    )  # fmt: skip
    return values.astype(np.float32, copy=False)


class Exporter:
    """The state of one export: the ONNX nodes and initializers written so far and
    the ONNX name of each fpgaforge value."""

    def __init__(self, graph: Graph, plan: TypePlan) -> None:
        self.graph = graph
        self.plan = plan
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[tuple[str, np.ndarray]] = []
        self.names: dict[int, str] = {}

    def model(self) -> onnx.ModelProto:
        """The QONNX model, its initializers included."""
        model = self.skeleton()
        for name, data in self.take_initializers():
            model.graph.initializer.append(numpy_helper.from_array(data, name))
        return model

    def take_initializers(self) -> Iterator[tuple[str, np.ndarray]]:
        """The (name, array) initializers written so far, in order, each dropped from the
        exporter as it is taken (a large weight is held once, not twice)."""
        self.initializers.reverse()
        while self.initializers:
            yield self.initializers.pop()

    def skeleton(self) -> onnx.ModelProto:
        """The QONNX model without its initializers (they stay in `initializers`)."""
        inputs = []
        for value in self.graph.inputs:
            inputs.append(_value_info(value.name, value.shape))
            # the Quant node's output takes a name of its own: ONNX graphs are in SSA form
            self._quantize_activation(value, value.name, f"{value.name}__q")
        for node in self.graph.nodes:
            self._export_node(node)
        outputs = [_value_info(self._name(v), v.shape) for v in self.graph.outputs]
        graph = helper.make_graph(self.nodes, self.graph.name, inputs, outputs)
        model = helper.make_model(
            graph,
            opset_imports=[
                helper.make_opsetid("", EXPORT_OPSET),
                helper.make_opsetid(QONNX_DOMAIN, 1),
            ],
            producer_name="fpgaforge",
        )
        model.ir_version = 8
        helper.set_model_props(
            model, {METADATA_KEY: json.dumps(plan_to_json(self.plan), sort_keys=True)}
        )
        return model

    def _name(self, value: Value) -> str:
        return self.names.get(id(value), value.name)

    def init(self, name: str, data: np.ndarray) -> str:
        """Add an initializer; returns its name."""
        self.initializers.append((name, np.asarray(data)))
        return name

    def _quant(
        self, source: str, output: str, t: NumericType, shape: tuple[int, ...], axis: int | None
    ) -> None:
        scale = lsb(t).astype(np.float32)
        if len(scale) > 1:
            view = [1] * len(shape)
            view[axis if axis is not None else 0] = len(scale)
            scale = scale.reshape(view)
        else:
            scale = np.asarray(scale[0], np.float32)
        rounding = t.rounding if isinstance(t, Fixed) else Rounding.RND_CONV
        base = output.replace("/", "_")
        self.nodes.append(
            helper.make_node(
                "Quant",
                [
                    source,
                    self.init(f"{base}__scale", scale),
                    self.init(f"{base}__zeropt", np.float32(0.0)),
                    self.init(f"{base}__bitwidth", np.float32(t.width)),
                ],
                [output],
                name=f"{base}__quant",
                domain=QONNX_DOMAIN,
                signed=int(t.signed),
                narrow=0,
                rounding_mode=_ROUNDING_NAMES[rounding],
            )
        )

    def _quantize_activation(self, value: Value, produced: str, name: str) -> None:
        t = self.plan.values.get(value.name)
        if t is None:
            self.names[id(value)] = produced
            return
        self._quant(produced, name, t, value.shape, None)
        self.names[id(value)] = name

    def param(
        self,
        node: Node,
        index: int,
        t: NumericType | None,
        role: str,
        axis: int = 0,
        transform=None,
    ) -> str:
        """The ONNX name of constant input `index` of `node`, quantized by a Quant node
        to `t` (its grid values written as floats) unless `t` is None."""
        value = node.inputs[index]
        assert value is not None and value.const is not None
        if t is not None:
            data = grid_values(value.const, t)  # so that re-quantizing is exact
        else:
            data = np.asarray(value.const, np.float64).astype(np.float32)
        if transform is not None:
            data = transform(data)
        raw = self.init(f"{node.name}__{role}", data)
        if t is None:
            return raw
        self._quant(raw, f"{node.name}__{role}_q", t, data.shape, axis)
        return f"{node.name}__{role}_q"

    def bias_type(self, node: Node) -> NumericType | None:
        """The type a layer's bias is written with (None: unquantized)."""
        if node.name in self.plan.biases:
            return self.plan.biases[node.name]
        weight_t = self.plan.weights.get(node.name)
        x = node.inputs[0]
        x_t = self.plan.values.get(x.name) if x is not None else None
        if isinstance(weight_t, Int) and isinstance(x_t, Int) and x_t.scale is not None:
            scales = lsb(x_t)[0] * lsb(weight_t)
            scale = (
                Scale.per_channel(scales, axis=0)
                if len(scales) > 1
                else Scale.per_tensor(float(scales[0]))
            )
            return Int(32, True, scale)
        return None

    def _export_node(self, node: Node) -> None:
        raw = [f"{v.name}__float" for v in node.outputs]
        ins = [None if v is None else self._name(v) for v in node.inputs]
        EMITTERS.require(node)(self, node, ins, raw)
        for value, produced in zip(node.outputs, raw, strict=True):
            self._quantize_activation(value, produced, value.name)


def _value_info(name: str, shape: tuple[int, ...]) -> onnx.ValueInfoProto:
    dims = ["N", *shape[1:]] if shape else []
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)
