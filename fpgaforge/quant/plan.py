"""Phase A of quantization: choose a numeric type for every tensor.

A `TypePlan` holds the type of every activation (by value name) and of every
layer's weight, bias and scale (by node name, so plans survive a round trip
through files whose weight tensors get new names). Phase B (`lower`) builds the
integer graph from a float graph and a plan; PTQ, QFX and QONNX loading all
produce plans.

Per-op decisions live in rule tables filled next to each rule: `PARAMETER_RULES`
(which ops have constant parameters with their own types) and `KEEPS_TYPE_RULES`
(which ops' outputs take their input's type).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops.registry import Trait, has_trait, ops_with
from fpgaforge.ir.quant_info import WeightFormat
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.calibrate import TensorRange
from fpgaforge.quant.rules import RuleTable
from fpgaforge.quant.spec import QuantSpec, TensorRule


@dataclass
class TypePlan:
    """Types chosen for one graph."""

    values: dict[str, NumericType] = field(default_factory=dict)
    weights: dict[str, NumericType] = field(default_factory=dict)
    biases: dict[str, NumericType] = field(default_factory=dict)
    accums: dict[str, NumericType] = field(default_factory=dict)
    weight_formats: dict[str, WeightFormat] = field(default_factory=dict)
    """Weight formats other than plain, by node name (e.g. K-hot for QFX `k_hot`); the
    quantized node gets its format as `node.quant.weights`."""


def fixed_int_bits(absmax: float, signed: bool = True) -> int:
    """Integer bits so that `absmax` fits: the smallest I with absmax < 2^(I-1) (signed)."""
    if absmax <= 0.0 or not math.isfinite(absmax):
        return 1
    return math.floor(math.log2(absmax)) + (2 if signed else 1)


def _fixed(rule: TensorRule, absmax: float) -> Fixed:
    if rule.explicit is not None and isinstance(rule.explicit, Fixed):
        return rule.explicit
    int_bits = rule.int_bits if rule.int_bits is not None else fixed_int_bits(absmax)
    return Fixed(rule.width, int_bits, True, rule.rounding, rule.overflow)


def _int_activation(rule: TensorRule, rng: TensorRange | None) -> Int:
    if (
        rule.explicit is not None
        and isinstance(rule.explicit, Int)
        and rule.explicit.scale is not None
    ):
        return rule.explicit
    signed = rng is None or rng.min < 0.0
    bits = rule.width
    qmax = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    if signed and qmax == 0:
        raise QuantizationError(
            f"A signed {bits}-bit activation has no positive codes; use at least 2 bits."
        )
    top = (rng.absmax if signed else rng.max) if rng is not None else 1.0
    return Int(bits, signed, Scale.per_tensor(top / qmax if top > 0 else 1.0))


def _int_weight(rule: TensorRule, data: np.ndarray, axis: int = 0) -> Int:
    bits = rule.width
    qmax = (1 << (bits - 1)) - 1
    if qmax == 0:
        raise QuantizationError(
            f"Signed {bits}-bit weights have no positive codes; use at least 2 bits."
        )
    moved = np.abs(np.moveaxis(np.asarray(data, np.float64), axis, 0)).reshape(data.shape[axis], -1)
    absmax = moved.max(axis=1) if moved.size else np.zeros(data.shape[axis])
    scales = [float(a) / qmax if a > 0 else 1.0 for a in absmax]
    return Int(bits, True, Scale.per_channel(scales, axis=axis))


def plan_types(graph: Graph, spec: QuantSpec, ranges: dict[str, TensorRange]) -> TypePlan:
    """Choose every tensor's type from the spec and the calibrated ranges."""
    plan = TypePlan()
    default = spec.default.result
    for value in graph.inputs:
        plan.values[value.name] = _activation_type(default, ranges.get(value.name))
    for node in graph.nodes:
        rule = spec.rule_for(node)
        plan_parameters = PARAMETER_RULES.get(node.op)
        if plan_parameters is not None:
            plan_parameters(plan, node, rule, ranges)
        if node.quant.weights != WeightFormat.plain():
            plan.weight_formats[node.name] = node.quant.weights  # e.g. N:M from SAT
        source = node.inputs[0]
        for out in node.outputs:
            if keeps_input_type(graph, node) and source is not None and source.name in plan.values:
                plan.values[out.name] = plan.values[source.name]
            else:
                plan.values[out.name] = _activation_type(rule.result, ranges.get(out.name))
        if rule.accum is not None:
            plan.accums[node.name] = rule.accum
    return plan


def relu_folds(graph: Graph, node: Node) -> bool:
    """True when ReLU `node` runs on the accumulator of the layer before it, ahead of
    that layer's Requant (the layer's only user, and not a graph output)."""
    if node.op != "Activation" or node.attrs.get("func") != "relu":
        return False
    source = node.inputs[0]
    if (
        source is None
        or source.producer is None
        or not has_trait(source.producer.op, Trait.ACCUMULATING)
    ):
        return False
    return len(source.users) == 1 and source not in graph.outputs


KeepsTypeRule = Callable[[Graph, Node], bool]
KEEPS_TYPE_RULES: RuleTable[KeepsTypeRule] = RuleTable("keeps-input-type rule")
"""Rules saying whether a node's outputs take its input's type; ops without one never do."""


def keeps_input_type(graph: Graph, node: Node) -> bool:
    """Ops whose output has the input's type: data movement, max pooling, and
    ReLU/clip that run on codes (a ReLU folded into a layer's Requant does not)."""
    rule = KEEPS_TYPE_RULES.get(node.op)
    return rule is not None and rule(graph, node)


@KEEPS_TYPE_RULES.rule(*ops_with(Trait.PASS_THROUGH))
def _copies_codes(graph: Graph, node: Node) -> bool:
    return True


@KEEPS_TYPE_RULES.rule("Pool", "GlobalPool")
def _max_pool(graph: Graph, node: Node) -> bool:
    return node.attrs.get("kind") == "max"


@KEEPS_TYPE_RULES.rule("Activation")
def _code_activation(graph: Graph, node: Node) -> bool:
    return node.attrs.get("func") in ("relu", "clip") and not relu_folds(graph, node)


def _activation_type(rule: TensorRule, rng: TensorRange | None) -> NumericType:
    if rule.family == "fixed":
        return _fixed(rule, rng.absmax if rng is not None else 1.0)
    return _int_activation(rule, rng)


ParameterRule = Callable[[TypePlan, Node, Any, dict[str, TensorRange]], None]
PARAMETER_RULES: RuleTable[ParameterRule] = RuleTable("parameter rule")
"""Rules typing a node's constant parameters (weight or scale, bias); ops without one
have none."""


def has_parameters(op: str) -> bool:
    """True when nodes of `op` have constant parameters that get their own types."""
    return op in PARAMETER_RULES


@PARAMETER_RULES.rule(*ops_with(Trait.WEIGHTED), "Affine")
def _plan_parameters(plan: TypePlan, node: Node, rule, ranges: dict[str, TensorRange]) -> None:
    weight = node.inputs[1]
    if weight is None or weight.const is None:
        raise QuantizationError(
            f"{node.where()[0].upper()}{node.where()[1:]} has run-time weights; fpgaforge quantizes constant weights only."
        )
    data = np.asarray(weight.const, dtype=np.float64)
    if rule.weight.family == "fixed":
        plan.weights[node.name] = _fixed(
            rule.weight, float(np.abs(data).max()) if data.size else 0.0
        )
    else:
        plan.weights[node.name] = _int_weight(rule.weight, data, axis=0)
    bias = node.input(2)
    if bias is not None and bias.const is not None and rule.bias.family == "fixed":
        plan.biases[node.name] = _fixed(
            rule.bias, float(np.abs(bias.const).max()) if bias.size else 0.0
        )


# ---- serialization (for QONNX metadata and schedules) ------------------------------
def type_to_json(t: NumericType) -> dict:
    """A JSON-able description of a numeric type."""
    if isinstance(t, Fixed):
        return {
            "fixed": [t.width, t.int_bits],
            "signed": t.signed,
            "rounding": t.rounding.value,
            "overflow": t.overflow.value,
        }
    scale = None
    if t.scale is not None:
        scale = {
            "values": list(t.scale.values),
            "axis": t.scale.axis,
            "group_size": t.scale.group_size,
            "exponents": None if t.scale.exponents is None else list(t.scale.exponents),
        }
    return {"int": t.bits, "signed": t.signed, "scale": scale}


def type_from_json(data: dict) -> NumericType:
    """Inverse of `type_to_json`."""
    if "fixed" in data:
        width, int_bits = data["fixed"]
        return Fixed(width, int_bits, data["signed"], data["rounding"], data["overflow"])
    scale = data.get("scale")
    if scale is not None:
        scale = Scale(
            tuple(scale["values"]),
            scale["axis"],
            scale["group_size"],
            None if scale["exponents"] is None else tuple(scale["exponents"]),
        )
    return Int(data["int"], data["signed"], scale)


def plan_to_json(plan: TypePlan) -> dict:
    return {
        "values": {k: type_to_json(v) for k, v in plan.values.items()},
        "weights": {k: type_to_json(v) for k, v in plan.weights.items()},
        "biases": {k: type_to_json(v) for k, v in plan.biases.items()},
        "accums": {k: type_to_json(v) for k, v in plan.accums.items()},
        # weight formats keep the key and form of the old per-node annotations, so
        # files written before and after read the same
        "annotations": {
            k: v.to_json() for k, v in plan.weight_formats.items() if v != WeightFormat.plain()
        },
    }


def plan_from_json(data: dict) -> TypePlan:
    return TypePlan(
        values={k: type_from_json(v) for k, v in data.get("values", {}).items()},
        weights={k: type_from_json(v) for k, v in data.get("weights", {}).items()},
        biases={k: type_from_json(v) for k, v in data.get("biases", {}).items()},
        accums={k: type_from_json(v) for k, v in data.get("accums", {}).items()},
        weight_formats=_weight_formats_from_json(data.get("annotations", {})),
    )


def _weight_formats_from_json(data: dict) -> dict[str, WeightFormat]:
    formats = {k: WeightFormat.from_json(v, f"node {k!r}") for k, v in data.items()}
    return {k: v for k, v in formats.items() if v != WeightFormat.plain()}
