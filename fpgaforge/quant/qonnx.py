"""Quantized graphs to and from QONNX (ONNX with `Quant` nodes).

`save_qonnx` writes the float graph with a QONNX `Quant` node on every quantized
tensor (weights, biases and activations), so QONNX tools can read it; the exact
fpgaforge types (rounding and overflow modes, accumulators) ride along in the
model's metadata. `load_qonnx` strips the Quant nodes, imports the float graph,
and lowers it again with the same types, so a round trip gives identical outputs.
Files from other tools (no fpgaforge metadata) get their types from the Quant
nodes' bit widths, signedness, scales and rounding modes.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from fpgaforge.errors import QuantizationError
from fpgaforge.frontend.onnx.loader import load, read_model
from fpgaforge.frontend.onnx.registry import QONNX_DOMAINS
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.numerics.convert import lsb, quantize_real
from fpgaforge.numerics.fixed import to_float
from fpgaforge.numerics.modes import Rounding
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lower import lower
from fpgaforge.quant.plan import TypePlan, plan_from_json, plan_to_json

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
_ROUNDING_FROM = {
    "ROUND": Rounding.RND_CONV,
    "HALF_EVEN": Rounding.RND_CONV,
    "FLOOR": Rounding.TRN,
    "ROUND_TO_ZERO": Rounding.TRN_ZERO,
    "DOWN": Rounding.TRN_ZERO,
    "HALF_UP": Rounding.RND_INF,
    "HALF_DOWN": Rounding.RND_ZERO,
    "CEIL": Rounding.RND_INF,
    "UP": Rounding.RND_INF,
}


def save_qonnx(qgraph: Graph, path: str | os.PathLike) -> Path:
    """Write a quantized graph (from `fpgaforge.quantize` or `qfx.export`) as QONNX."""
    source: Graph | None = qgraph.metadata.get("source_graph")
    plan: TypePlan | None = qgraph.metadata.get("type_plan")
    if source is None or plan is None:
        raise QuantizationError(
            f"Graph {qgraph.name!r} is not a quantized graph from fpgaforge; quantize it first."
        )
    model = _Exporter(source, plan).model()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def load_qonnx(model: str | os.PathLike | onnx.ModelProto) -> Graph:
    """Read a QONNX model into a quantized fpgaforge graph."""
    proto = onnx.ModelProto.FromString(read_model(model).SerializeToString())
    stored = {p.key: p.value for p in proto.metadata_props}.get(METADATA_KEY)
    derived = _strip_quant_nodes(proto)
    graph = load(proto, name=Path(model).stem if isinstance(model, (str, os.PathLike)) else None)
    plan = plan_from_json(json.loads(stored)) if stored else _plan_from_quant_nodes(graph, derived)
    return lower(graph, plan)


# ---- export ---------------------------------------------------------------------------
class _Exporter:
    def __init__(self, graph: Graph, plan: TypePlan) -> None:
        self.graph = graph
        self.plan = plan
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[TensorProto] = []
        self.names: dict[int, str] = {}

    def model(self) -> onnx.ModelProto:
        inputs = []
        for value in self.graph.inputs:
            inputs.append(_value_info(value.name, value.shape))
            self._quantize_activation(value, value.name, value.name)
        for node in self.graph.nodes:
            self._export_node(node)
        outputs = [_value_info(self._name(v), v.shape) for v in self.graph.outputs]
        graph = helper.make_graph(self.nodes, self.graph.name, inputs, outputs, self.initializers)
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

    def _init(self, name: str, data: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(data), name))
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
                    self._init(f"{base}__scale", scale),
                    self._init(f"{base}__zeropt", np.float32(0.0)),
                    self._init(f"{base}__bitwidth", np.float32(t.width)),
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

    def _param(
        self,
        node: Node,
        index: int,
        t: NumericType | None,
        role: str,
        axis: int = 0,
        transform=None,
    ) -> str:
        value = node.inputs[index]
        assert value is not None and value.const is not None
        data = np.asarray(value.const, np.float64)
        if t is not None:
            data = to_float(quantize_real(data, t), t)  # the grid values, so re-quantizing is exact
        if transform is not None:
            data = transform(data)
        raw = self._init(f"{node.name}__{role}", data.astype(np.float32))
        if t is None:
            return raw
        self._quant(raw, f"{node.name}__{role}_q", t, data.shape, axis)
        return f"{node.name}__{role}_q"

    def _bias_type(self, node: Node) -> NumericType | None:
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
        out = node.outputs[0]
        raw = [f"{v.name}__float" for v in node.outputs]
        ins = [None if v is None else self._name(v) for v in node.inputs]
        emit = _EMITTERS.get(node.op)
        if emit is None:
            raise QuantizationError(
                f"Saving {node.where()} as QONNX is not supported (no ONNX form for {node.op})."
            )
        emit(self, node, ins, raw)
        for value, produced in zip(node.outputs, raw, strict=True):
            self._quantize_activation(value, produced, value.name)
        del out

    # emitters ---------------------------------------------------------------------
    def dense(self, node: Node, ins, outs) -> None:
        w = self._param(node, 1, self.plan.weights.get(node.name), "weight", axis=0)
        b = (
            self._param(node, 2, self._bias_type(node), "bias")
            if node.input(2) is not None
            else None
        )
        if node.inputs[0].rank == 2:
            self.nodes.append(
                helper.make_node(
                    "Gemm", [ins[0], w] + ([b] if b else []), outs, name=node.name, transB=1
                )
            )
            return
        wt = f"{node.name}__weight_t"
        self.nodes.append(
            helper.make_node("Transpose", [w], [wt], name=f"{node.name}__transpose", perm=[1, 0])
        )
        target = outs if b is None else [f"{node.name}__matmul"]
        self.nodes.append(helper.make_node("MatMul", [ins[0], wt], target, name=node.name))
        if b is not None:
            self.nodes.append(
                helper.make_node("Add", [target[0], b], outs, name=f"{node.name}__bias")
            )

    def conv(self, node: Node, ins, outs) -> None:
        w = self._param(node, 1, self.plan.weights.get(node.name), "weight", axis=0)
        b = (
            self._param(node, 2, self._bias_type(node), "bias")
            if node.input(2) is not None
            else None
        )
        a = node.attrs
        self.nodes.append(
            helper.make_node(
                "Conv",
                [ins[0], w] + ([b] if b else []),
                outs,
                name=node.name,
                strides=list(a["strides"]),
                pads=list(a["pads"]),
                dilations=list(a["dilations"]),
                group=int(a["group"]),
                kernel_shape=list(node.inputs[1].shape[2:]),
            )
        )

    def affine(self, node: Node, ins, outs) -> None:
        channels = node.inputs[0].shape[node.attrs["axis"]]
        s = self._param(
            node,
            1,
            self.plan.weights.get(node.name),
            "scale",
            transform=lambda d: np.broadcast_to(d.reshape(-1), (channels,)),
        )
        if node.input(2) is not None:
            b = self._param(
                node,
                2,
                self._bias_type(node),
                "bias",
                transform=lambda d: np.broadcast_to(d.reshape(-1), (channels,)),
            )
        else:
            b = self._init(f"{node.name}__zero_bias", np.zeros(channels, np.float32))
        mean = self._init(f"{node.name}__mean", np.zeros(channels, np.float32))
        var = self._init(f"{node.name}__var", np.ones(channels, np.float32))
        if node.attrs["axis"] != 1:
            raise QuantizationError(f"Saving {node.where()} as QONNX needs its channels on axis 1.")
        self.nodes.append(
            helper.make_node(
                "BatchNormalization", [ins[0], s, b, mean, var], outs, name=node.name, epsilon=0.0
            )
        )

    def pool(self, node: Node, ins, outs) -> None:
        a = node.attrs
        kind = {"max": "MaxPool", "avg": "AveragePool", "lp": "LpPool"}[a["kind"]]
        extra = {"count_include_pad": int(a["count_include_pad"])} if kind == "AveragePool" else {}
        if kind == "MaxPool" and any(d != 1 for d in a["dilations"]):
            extra["dilations"] = list(a["dilations"])
        self.nodes.append(
            helper.make_node(
                kind,
                ins[:1],
                outs,
                name=node.name,
                kernel_shape=list(a["kernel"]),
                strides=list(a["strides"]),
                pads=list(a["pads"]),
                ceil_mode=int(a["ceil_mode"]),
                **extra,
            )
        )

    def global_pool(self, node: Node, ins, outs) -> None:
        kind = {"max": "GlobalMaxPool", "avg": "GlobalAveragePool", "lp": "GlobalLpPool"}[
            node.attrs["kind"]
        ]
        self.nodes.append(helper.make_node(kind, ins[:1], outs, name=node.name))

    def binary(self, node: Node, ins, outs) -> None:
        names = []
        for i, value in enumerate(node.inputs):
            if value is not None and value.const is not None:
                names.append(self._param(node, i, self.plan.weights.get(node.name), f"const{i}"))
            else:
                names.append(ins[i])
        self.nodes.append(helper.make_node(node.op, names, outs, name=node.name))

    def activation(self, node: Node, ins, outs) -> None:
        a = node.attrs
        func = a["func"]
        simple = {
            "relu": "Relu",
            "sigmoid": "Sigmoid",
            "tanh": "Tanh",
            "hard_swish": "HardSwish",
            "exp": "Exp",
            "softplus": "Softplus",
            "softsign": "Softsign",
            "abs": "Abs",
            "neg": "Neg",
            "erf": "Erf",
        }
        if func in simple:
            self.nodes.append(helper.make_node(simple[func], ins[:1], outs, name=node.name))
        elif func == "leaky_relu":
            self.nodes.append(
                helper.make_node(
                    "LeakyRelu", ins[:1], outs, name=node.name, alpha=float(a["alpha"])
                )
            )
        elif func == "elu":
            self.nodes.append(
                helper.make_node("Elu", ins[:1], outs, name=node.name, alpha=float(a["alpha"]))
            )
        elif func == "hard_sigmoid":
            self.nodes.append(
                helper.make_node(
                    "HardSigmoid",
                    ins[:1],
                    outs,
                    name=node.name,
                    alpha=float(a["alpha"]),
                    beta=float(a["beta"]),
                )
            )
        elif func == "clip":
            low = "" if a["min"] is None else self._init(f"{node.name}__min", np.float32(a["min"]))
            high = "" if a["max"] is None else self._init(f"{node.name}__max", np.float32(a["max"]))
            self.nodes.append(helper.make_node("Clip", [ins[0], low, high], outs, name=node.name))
        elif func == "silu":
            sig = f"{node.name}__sigmoid"
            self.nodes.append(
                helper.make_node("Sigmoid", ins[:1], [sig], name=f"{node.name}__sigmoid")
            )
            self.nodes.append(helper.make_node("Mul", [ins[0], sig], outs, name=node.name))
        else:
            raise QuantizationError(
                f"Saving {node.where()} as QONNX is not supported for activation {func!r}."
            )

    def reshape(self, node: Node, ins, outs) -> None:
        target = list(node.attrs["shape"])
        if node.inputs[0].shape[:1] == node.outputs[0].shape[:1]:
            target[0] = 0  # keep the batch dimension free
        shape = self._init(f"{node.name}__shape", np.asarray(target, np.int64))
        self.nodes.append(helper.make_node("Reshape", [ins[0], shape], outs, name=node.name))

    def transpose(self, node: Node, ins, outs) -> None:
        self.nodes.append(
            helper.make_node(
                "Transpose", ins[:1], outs, name=node.name, perm=list(node.attrs["perm"])
            )
        )

    def concat(self, node: Node, ins, outs) -> None:
        self.nodes.append(
            helper.make_node("Concat", ins, outs, name=node.name, axis=int(node.attrs["axis"]))
        )

    def split(self, node: Node, ins, outs) -> None:
        sizes = self._init(f"{node.name}__split", np.asarray(node.attrs["sizes"], np.int64))
        self.nodes.append(
            helper.make_node(
                "Split", [ins[0], sizes], outs, name=node.name, axis=int(node.attrs["axis"])
            )
        )

    def slice_(self, node: Node, ins, outs) -> None:
        a = node.attrs
        parts = [
            self._init(f"{node.name}__{k}", np.asarray(a[k], np.int64))
            for k in ("starts", "ends", "axes", "steps")
        ]
        self.nodes.append(helper.make_node("Slice", [ins[0], *parts], outs, name=node.name))

    def pad(self, node: Node, ins, outs) -> None:
        a = node.attrs
        pads = self._init(f"{node.name}__pads", np.asarray(a["pads"], np.int64))
        value = self._init(f"{node.name}__value", np.float32(a["value"]))
        self.nodes.append(
            helper.make_node("Pad", [ins[0], pads, value], outs, name=node.name, mode=a["mode"])
        )

    def gather(self, node: Node, ins, outs) -> None:
        indices = self._init(f"{node.name}__indices", np.asarray(node.attrs["indices"], np.int64))
        self.nodes.append(
            helper.make_node(
                "Gather", [ins[0], indices], outs, name=node.name, axis=int(node.attrs["axis"])
            )
        )

    def resize(self, node: Node, ins, outs) -> None:
        a = node.attrs
        sizes = self._init(f"{node.name}__sizes", np.asarray(a["sizes"], np.int64))
        self.nodes.append(
            helper.make_node(
                "Resize",
                [ins[0], "", "", sizes],
                outs,
                name=node.name,
                mode=a["mode"],
                coordinate_transformation_mode=a["coordinate_transformation_mode"],
                nearest_mode=a["nearest_mode"],
            )
        )

    def matmul(self, node: Node, ins, outs) -> None:
        self.nodes.append(helper.make_node("MatMul", ins[:2], outs, name=node.name))


_EMITTERS = {
    "Dense": _Exporter.dense,
    "Conv": _Exporter.conv,
    "DepthwiseConv": _Exporter.conv,
    "Affine": _Exporter.affine,
    "Pool": _Exporter.pool,
    "GlobalPool": _Exporter.global_pool,
    "Add": _Exporter.binary,
    "Sub": _Exporter.binary,
    "Mul": _Exporter.binary,
    "Max": _Exporter.binary,
    "Min": _Exporter.binary,
    "Activation": _Exporter.activation,
    "Reshape": _Exporter.reshape,
    "Transpose": _Exporter.transpose,
    "Concat": _Exporter.concat,
    "Split": _Exporter.split,
    "Slice": _Exporter.slice_,
    "Pad": _Exporter.pad,
    "Gather": _Exporter.gather,
    "Resize": _Exporter.resize,
    "MatMul": _Exporter.matmul,
}


def _value_info(name: str, shape: tuple[int, ...]) -> onnx.ValueInfoProto:
    dims = ["N", *shape[1:]] if shape else []
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


# ---- import -------------------------------------------------------------------------------
def _strip_quant_nodes(proto: onnx.ModelProto) -> dict[str, tuple]:
    """Remove QONNX Quant nodes in place; returns tensor → (bitwidth, signed, scale, rounding, consumer info)."""
    graph = proto.graph
    consts = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.output:
            for attr in node.attribute:
                if attr.name == "value":
                    consts[node.output[0]] = numpy_helper.to_array(attr.t)
    found: dict[str, tuple] = {}
    renames: dict[str, str] = {}
    keep = []
    for node in graph.node:
        if node.op_type == "Quant" and (
            node.domain in QONNX_DOMAINS or node.domain == QONNX_DOMAIN
        ):
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            scale = consts.get(node.input[1])
            bits = consts.get(node.input[3])
            if scale is None or bits is None:
                raise QuantizationError(
                    f"Quant node {node.name!r} has run-time scale or bit width; fpgaforge needs constants."
                )
            mode = attrs.get("rounding_mode", b"ROUND")
            found[node.input[0]] = (
                int(float(np.asarray(bits).reshape(-1)[0])),
                bool(attrs.get("signed", 1)),
                np.asarray(scale, np.float64),
                mode.decode() if isinstance(mode, bytes) else mode,
                node.input[0] in consts,
            )
            renames[node.output[0]] = node.input[0]
        else:
            keep.append(node)
    if not found:
        return found
    # the Quant output name is what users and graph outputs know: give it to the source tensor
    back = {source: out for out, source in renames.items()}
    for node in keep:
        node.output[:] = [back.get(o, o) for o in node.output]
    for value in graph.input:
        if value.name in back:
            for node in keep:
                node.input[:] = [value.name if i == back[value.name] else i for i in node.input]
    for tensor in graph.initializer:
        if tensor.name in back:
            for node in keep:
                node.input[:] = [tensor.name if i == back[tensor.name] else i for i in node.input]
    del graph.node[:]
    graph.node.extend(keep)
    return {back.get(k, k) if not v[4] else k: v for k, v in found.items()}


def _plan_from_quant_nodes(graph: Graph, found: dict[str, tuple]) -> TypePlan:
    """Types from Quant node parameters (files written by other QONNX tools)."""
    plan = TypePlan()

    def to_type(entry: tuple, axis: int | None) -> NumericType:
        bits, signed, scale, mode, _ = entry
        rounding = _ROUNDING_FROM.get(str(mode).upper(), Rounding.RND_CONV)
        values = scale.reshape(-1)
        if values.size == 1:
            exponent = math.log2(float(values[0])) if values[0] > 0 else None
            if exponent is not None and exponent == int(exponent):
                return Fixed(bits, bits + int(exponent), signed, rounding)
            return Int(bits, signed, Scale.per_tensor(float(values[0])))
        return Int(bits, signed, Scale.per_channel(values.tolist(), axis=axis or 0))

    for value in graph.values():
        if value.name in found and not value.is_constant:
            plan.values[value.name] = to_type(found[value.name], None)
    for node in graph.nodes:
        for index, table in ((1, plan.weights), (2, plan.biases)):
            value = node.input(index)
            if value is not None and value.name in found:
                table[node.name] = to_type(found[value.name], 0)
    missing = [v.name for v in graph.values() if not v.is_constant and v.name not in plan.values]
    if missing:
        raise QuantizationError(
            f"QONNX model {graph.name!r} leaves tensor {missing[0]!r} unquantized; every activation needs a Quant node."
        )
    return plan
