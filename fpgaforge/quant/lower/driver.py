"""The lowering driver: walks the float graph and applies each node's integer rule.

A rule is a function `rule(lowering, node)` that emits the integer nodes of one
float node through the `Lowering` helpers; `@integer_rule("Op", ...)` next to it
puts it in `INTEGER_RULES`. The rules live one op family per module of this
package (layers, arithmetic, movement, pooling, activation).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.quant_info import QuantInfo
from fpgaforge.ir.value import Value
from fpgaforge.numerics.convert import rescale_params
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import mul_type
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.plan import TypePlan, relu_folds
from fpgaforge.quant.rules import RuleTable

Rule = Callable[["Lowering", Node], None]

INTEGER_RULES: RuleTable[Rule] = RuleTable(
    "integer rule",
    missing="{Where} cannot be quantized: fpgaforge has no integer implementation of {op} "
    "yet; quantizable ops are {ops}.",
)
"""Each op's rule for building its integer nodes."""

integer_rule = INTEGER_RULES.rule
"""Decorator: `@integer_rule("Add", "Sub")` makes the function those ops' integer rule."""


class Lowering:
    """The state of one lowering: the float graph, the plan, the integer graph being
    built and the map from float values to their integer counterparts."""

    def __init__(self, graph: Graph, plan: TypePlan) -> None:
        self.src = graph
        self.plan = plan
        self.q = Graph(graph.name)
        self.q.metadata.update({k: v for k, v in graph.metadata.items() if not k.startswith("_")})
        self.map: dict[int, Value] = {}
        self.folded: set[int] = set()

    # ---- driver ------------------------------------------------------------
    def run(self) -> Graph:
        for value in self.src.inputs:
            inp = self.q.add_input(value.name, value.shape, value.dtype)
            t = self.type_of(value)
            node = self.q.add_node(
                "Quantize",
                [inp],
                name=f"{value.name}_quantize",
                attrs={"to": t},
                dtypes=[t],
                output_names=[f"{value.name}_q"],
            )
            self.map[id(value)] = node.outputs[0]
        for node in self.src.nodes:
            if id(node) in self.folded:
                continue
            INTEGER_RULES.require(node)(self, node)
        self.q.outputs = [self.get(v) for v in self.src.outputs]
        self.q.metadata["quantized"] = True
        self.q.metadata["source_graph"] = self.src
        self.q.metadata["type_plan"] = self.plan
        self.q.metadata["value_map"] = {
            v.name: self.map[id(v)].name for v in self.src.values() if id(v) in self.map
        }
        self.q.validate()
        return self.q

    # ---- helpers -----------------------------------------------------------
    def type_of(self, value: Value) -> NumericType:
        try:
            return self.plan.values[value.name]
        except KeyError:
            raise QuantizationError(
                f"The type plan gives no type to tensor {value.name!r}."
            ) from None

    def get(self, value: Value | None) -> Value:
        assert value is not None
        if id(value) in self.map:
            return self.map[id(value)]
        raise QuantizationError(
            f"Tensor {value.name!r} is used before it was quantized (a constant activation input?)."
        )

    def const(self, name: str, codes: np.ndarray, t: NumericType) -> Value:
        value = self.q.add_constant(name, np.asarray(codes, dtype=np.int64))
        value.dtype = t
        return value

    def emit(
        self,
        op: str,
        inputs: list,
        t: NumericType | list,
        src: Node,
        name: str | None = None,
        attrs: dict | None = None,
        out_names: list[str] | None = None,
    ) -> list[Value]:
        types = t if isinstance(t, list) else [t]
        node = self.q.add_node(
            op,
            inputs,
            name=name or src.name,
            attrs=src.attrs if attrs is None else attrs,
            source=src.source,
            dtypes=types,
            output_names=out_names,
        )
        weights = self.plan.weight_formats.get(src.name)
        if weights is not None:
            node.quant = QuantInfo(weights=weights)
        return node.outputs

    def requant(
        self, value: Value, to: NumericType, src: Node, name: str, axis: int = 1, extra: float = 1.0
    ) -> Value:
        if value.dtype == to and extra == 1.0:
            return value
        multiplier, shift = rescale_params(value.dtype, to, extra)
        if isinstance(to, Fixed):
            rounding, overflow = to.rounding, to.overflow
        else:
            rounding, overflow = Rounding.RND, Overflow.SAT
        attrs = {
            "to": to,
            "multiplier": multiplier,
            "shift": shift,
            "axis": axis,
            "rounding": rounding,
            "overflow": overflow,
        }
        node = self.q.add_node(
            "Requant",
            [value],
            name=f"{src.name}_requant",
            attrs=attrs,
            source=src.source,
            dtypes=[to],
            output_names=[name],
        )
        return node.outputs[0]

    def final_output(self, node: Node) -> Value:
        """The tensor a layer's Requant produces: its output, or that of a ReLU folded into it."""
        out = node.outputs[0]
        if len(out.users) == 1 and relu_folds(self.src, out.users[0]):
            return out.users[0].outputs[0]
        return out

    def finish(self, node: Node, acc: Value, axis: int) -> None:
        """ReLU on the accumulator if one follows, then Requant to the planned output type."""
        out = node.outputs[0]
        users = out.users
        if len(users) == 1 and relu_folds(self.src, users[0]):
            relu = users[0]
            (acc,) = self.emit(
                "Activation", [acc], acc.dtype, relu, out_names=[f"{relu.outputs[0].name}_acc"]
            )
            self.folded.add(id(relu))
            out = relu.outputs[0]
            node = relu
        self.map[id(out)] = self.requant(acc, self.type_of(out), node, out.name, axis=axis)


# ---- type arithmetic shared by the rules ------------------------------------------
def widen(t: NumericType, bits: int) -> NumericType:
    """`t` with `bits` more integer bits (same lsb): room for a sum of 2**bits terms."""
    if isinstance(t, Fixed):
        return Fixed(t.width + bits, t.int_bits + bits, t.signed)
    return Int(t.bits + bits, t.signed, t.scale)


def terms_bits(n: int) -> int:
    """Extra bits a sum of `n` terms needs."""
    return max(0, (n - 1).bit_length())


def as_fixed(t: NumericType) -> Fixed:
    """`t` as a fixed-point type (an Int with a per-tensor power-of-two scale qualifies)."""
    if isinstance(t, Fixed):
        return t
    if t.scale is not None and not (t.scale.is_pow2 and t.scale.granularity == "tensor"):
        raise QuantizationError(
            f"Cannot mix the scaled integer type {t} with fixed-point types in one layer."
        )
    exponent = 0 if t.scale is None else t.scale.exponents[0]
    return Fixed(t.bits, t.bits + exponent, t.signed)


def product_type(a: NumericType, b: NumericType) -> NumericType:
    """The exact type of a product of `a` and `b` codes."""
    if isinstance(a, Int) and isinstance(b, Int):
        return mul_type(a, b)
    return mul_type(as_fixed(a), as_fixed(b))
