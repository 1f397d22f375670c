"""Reading QONNX into a quantized graph.

`load_qonnx` strips the Quant nodes, imports the float graph, and lowers it again
with the types of the fpgaforge metadata, so a round trip gives identical outputs
(weight formats included). Files from other tools (no fpgaforge metadata) get
their types from the Quant nodes' bit widths, signedness, scales and rounding modes.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from fpgaforge.errors import QuantizationError
from fpgaforge.frontend.onnx.loader import load, read_model
from fpgaforge.frontend.onnx.registry import QONNX_DOMAINS
from fpgaforge.ir.graph import Graph
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lower import lower
from fpgaforge.quant.plan import TypePlan, plan_from_json
from fpgaforge.quant.qonnx.export import METADATA_KEY, QONNX_DOMAIN

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


def load_qonnx(model: str | os.PathLike | onnx.ModelProto) -> Graph:
    """Read a QONNX model into a quantized fpgaforge graph."""
    proto = onnx.ModelProto.FromString(read_model(model).SerializeToString())
    stored = {p.key: p.value for p in proto.metadata_props}.get(METADATA_KEY)
    derived = _strip_quant_nodes(proto)
    graph = load(proto, name=Path(model).stem if isinstance(model, (str, os.PathLike)) else None)
    plan = plan_from_json(json.loads(stored)) if stored else _plan_from_quant_nodes(graph, derived)
    return lower(graph, plan)


def _strip_quant_nodes(proto: onnx.ModelProto) -> dict[str | tuple[str, int], tuple]:
    """Remove QONNX Quant nodes in place; returns tensor name, and (consumer node, input
    index) of a quantized constant, → (bitwidth, signed, scale, rounding, is constant)."""
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
    # a quantized constant is also known by (consumer node, input index): the importer may
    # give a layer's weight a name of its own
    for node in keep:
        for index, name in enumerate(node.input):
            if name in found and found[name][4] and node.name:
                found[(node.name, index)] = found[name]
    del graph.node[:]
    graph.node.extend(keep)
    # a quantized graph input keeps its own name; any other tensor takes its Quant's output's
    inputs = {value.name for value in graph.input}
    return {
        k if isinstance(k, tuple) or v[4] or k in inputs else back.get(k, k): v
        for k, v in found.items()
    }


def _plan_from_quant_nodes(graph: Graph, found: dict[str | tuple[str, int], tuple]) -> TypePlan:
    """Types from Quant node parameters (files written by other QONNX tools)."""
    plan = TypePlan()

    def to_type(entry: tuple, axis: int | None) -> NumericType:
        bits, signed, scale, mode, _ = entry
        rounding = _ROUNDING_FROM.get(str(mode).upper(), Rounding.RND_CONV)
        values = scale.reshape(-1)
        if values.size == 1:
            exponent = math.log2(float(values[0])) if values[0] > 0 else None
            if exponent is not None and exponent == int(exponent):
                # a Quant node clamps to its range: saturation
                return Fixed(bits, bits + int(exponent), signed, rounding, Overflow.SAT)
            return Int(bits, signed, Scale.per_tensor(float(values[0])))
        return Int(bits, signed, Scale.per_channel(values.tolist(), axis=axis or 0))

    for value in graph.values():
        if value.name in found and not value.is_constant:
            plan.values[value.name] = to_type(found[value.name], None)
    for node in graph.nodes:
        for index, table in ((1, plan.weights), (2, plan.biases)):
            value = node.input(index)
            if value is None:
                continue
            entry = found.get(value.name, found.get((node.name, index)))
            if entry is not None:
                table[node.name] = to_type(entry, 0)
    missing = [v.name for v in graph.values() if not v.is_constant and v.name not in plan.values]
    if missing:
        raise QuantizationError(
            f"QONNX model {graph.name!r} leaves tensor {missing[0]!r} unquantized; every activation needs a Quant node."
        )
    return plan
