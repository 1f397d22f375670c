"""Phase B of quantization: build the integer graph from a float graph and a TypePlan.

Every format lowers to the same hardware arithmetic (docs/numerics.md):
integer multiply, wide accumulate into an accumulator type that cannot overflow,
then a `Requant` (integer multiply and/or shift, the output type's rounding,
saturate or wrap). A ReLU right after a layer runs on the accumulator, ahead of
the Requant, as the hardware does it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import registry
from fpgaforge.ir.value import Value
from fpgaforge.numerics import fixed
from fpgaforge.numerics.convert import lsb, quantize_real, rescale_params
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import accum_type, add_type, mul_type
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, NumericType
from fpgaforge.quant.lut import build_table
from fpgaforge.quant.plan import PASS_THROUGH, WEIGHTED, TypePlan, fixed_int_bits, relu_folds

INT_ADD_GUARD_BITS = 4
"""Extra fractional bits operands keep when two scaled-int tensors are added."""


def lower(graph: Graph, plan: TypePlan) -> Graph:
    """The quantized (integer) graph of `graph` with the types of `plan`."""
    return _Lowering(graph, plan).run()


def widen(t: NumericType, bits: int) -> NumericType:
    """`t` with `bits` more integer bits (same lsb): room for a sum of 2**bits terms."""
    if isinstance(t, Fixed):
        return Fixed(t.width + bits, t.int_bits + bits, t.signed)
    return Int(t.bits + bits, t.signed, t.scale)


def _terms_bits(n: int) -> int:
    return max(0, (n - 1).bit_length())


class _Lowering:
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
            t = self._type_of(value)
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
            rule = _RULES.get(node.op)
            if rule is None:
                raise QuantizationError(
                    f"{node.where()[0].upper()}{node.where()[1:]} cannot be quantized: fpgaforge has no integer "
                    f"implementation of {node.op} yet; quantizable ops are {', '.join(sorted(_RULES))}."
                )
            rule(self, node)
        self.q.outputs = [self._get(v) for v in self.src.outputs]
        self.q.metadata["quantized"] = True
        self.q.metadata["source_graph"] = self.src
        self.q.metadata["type_plan"] = self.plan
        self.q.metadata["value_map"] = {
            v.name: self.map[id(v)].name for v in self.src.values() if id(v) in self.map
        }
        self.q.validate()
        return self.q

    # ---- helpers -----------------------------------------------------------
    def _type_of(self, value: Value) -> NumericType:
        try:
            return self.plan.values[value.name]
        except KeyError:
            raise QuantizationError(
                f"The type plan gives no type to tensor {value.name!r}."
            ) from None

    def _get(self, value: Value | None) -> Value:
        assert value is not None
        if id(value) in self.map:
            return self.map[id(value)]
        raise QuantizationError(
            f"Tensor {value.name!r} is used before it was quantized (a constant activation input?)."
        )

    def _const(self, name: str, codes: np.ndarray, t: NumericType) -> Value:
        value = self.q.add_constant(name, np.asarray(codes, dtype=np.int64))
        value.dtype = t
        return value

    def _emit(
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
        node.annotations.update(self.plan.annotations.get(src.name, {}))
        return node.outputs

    def _requant(
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

    def _final_output(self, node: Node) -> Value:
        """The tensor a layer's Requant produces: its output, or that of a ReLU folded into it."""
        out = node.outputs[0]
        if len(out.users) == 1 and relu_folds(self.src, out.users[0]):
            return out.users[0].outputs[0]
        return out

    def _finish(self, node: Node, acc: Value, axis: int) -> None:
        """ReLU on the accumulator if one follows, then Requant to the planned output type."""
        out = node.outputs[0]
        users = out.users
        if len(users) == 1 and relu_folds(self.src, users[0]):
            relu = users[0]
            (acc,) = self._emit(
                "Activation", [acc], acc.dtype, relu, out_names=[f"{relu.outputs[0].name}_acc"]
            )
            self.folded.add(id(relu))
            out = relu.outputs[0]
            node = relu
        self.map[id(out)] = self._requant(acc, self._type_of(out), node, out.name, axis=axis)

    # ---- rules -------------------------------------------------------------
    def weighted(self, node: Node) -> None:
        x = self._get(node.inputs[0])
        w, b = node.inputs[1], node.input(2)
        assert w is not None and w.const is not None
        tw = self.plan.weights[node.name]
        w_codes = quantize_real(np.asarray(w.const, np.float64), tw)
        n_terms = int(np.prod(w.shape[1:])) + (1 if b is not None else 0)
        out_axis = node.outputs[0].rank - 1 if node.op == "Dense" else 1
        acc_t = self._accumulator(node, x.dtype, tw, n_terms, out_axis)
        inputs = [x, self._const(f"{node.name}_weight", w_codes, tw)]
        if b is not None:
            b_codes, acc_t, bias_t = self._bias(node, b, acc_t)
            inputs.append(self._const(f"{node.name}_bias", b_codes, bias_t))
        (acc,) = self._emit(node.op, inputs, acc_t, node, out_names=[f"{node.outputs[0].name}_acc"])
        self._finish(node, acc, out_axis)

    def _accumulator(
        self, node: Node, tx: NumericType, tw: NumericType, n_terms: int, axis: int
    ) -> NumericType:
        if node.name in self.plan.accums:
            return self.plan.accums[node.name]
        if isinstance(tx, Fixed) or isinstance(tw, Fixed):
            return accum_type(mul_type(_as_fixed(tx), _as_fixed(tw)), n_terms)
        scales = lsb(tx)[0] * lsb(tw)
        bits = tx.bits + tw.bits + _terms_bits(n_terms)
        scale = (
            Scale.per_channel(scales, axis=axis)
            if len(scales) > 1
            else Scale.per_tensor(float(scales[0]))
        )
        return Int(bits, True, scale)

    def _bias(
        self, node: Node, b: Value, acc_t: NumericType
    ) -> tuple[np.ndarray, NumericType, NumericType]:
        real = np.asarray(b.const, np.float64)
        if isinstance(acc_t, Fixed):
            tb = self.plan.biases.get(node.name, acc_t)
            b_codes = (
                quantize_real(real, tb) if isinstance(tb, Fixed) else quantize_real(real, acc_t)
            )
            if isinstance(tb, Fixed) and tb != acc_t:
                b_codes = fixed.cast(b_codes, tb, acc_t.with_modes(Rounding.RND, Overflow.SAT))
            return b_codes, acc_t, acc_t
        scales = lsb(acc_t)
        vector_scale = (
            Scale.per_channel(np.broadcast_to(scales, real.shape), axis=0)
            if real.ndim
            else Scale.per_tensor(float(scales[0]))
        )
        wide = Int(32, True, vector_scale)
        b_codes = quantize_real(real, wide)
        needed = int(np.abs(b_codes).max()).bit_length() + 1 if b_codes.size else 1
        bits = max(acc_t.bits, needed) + 1
        return b_codes, Int(bits, True, acc_t.scale), Int(bits, True, vector_scale)

    def affine(self, node: Node) -> None:
        x = self._get(node.inputs[0])
        scale, bias = node.inputs[1], node.input(2)
        assert scale is not None and scale.const is not None
        axis = node.attrs["axis"] % node.outputs[0].rank
        ts = self.plan.weights[node.name]
        s_codes = quantize_real(np.asarray(scale.const, np.float64), ts)
        acc_t = self._accumulator(node, x.dtype, ts, 2, axis)
        inputs = [x, self._const(f"{node.name}_scale", s_codes, ts)]
        if bias is not None:
            b_codes, acc_t, bias_t = self._bias(node, bias, acc_t)
            inputs.append(self._const(f"{node.name}_bias", b_codes, bias_t))
        (acc,) = self._emit(
            "Affine", inputs, acc_t, node, out_names=[f"{node.outputs[0].name}_acc"]
        )
        self._finish(node, acc, axis)

    def _operand(self, node: Node, index: int, like: NumericType) -> Value:
        value = node.inputs[index]
        assert value is not None
        if value.const is None:
            return self._get(value)
        t = self.plan.weights.get(node.name)
        if t is None:
            t = _const_type(like, np.asarray(value.const, np.float64))
        return self._const(
            f"{node.name}_const{index}", quantize_real(np.asarray(value.const, np.float64), t), t
        )

    def add_sub(self, node: Node) -> None:
        like = next(self._get(v).dtype for v in node.inputs if v is not None and v.const is None)
        a, b = self._operand(node, 0, like), self._operand(node, 1, like)
        if isinstance(a.dtype, Fixed) and isinstance(b.dtype, Fixed):
            sum_t = add_type(a.dtype, b.dtype)
            a = self._align(a, sum_t, node, "a")
            b = self._align(b, sum_t, node, "b")
        else:
            out_t = self._type_of(self._final_output(node))
            if not isinstance(out_t, Int) or out_t.scale is None or out_t.scale.axis is not None:
                raise QuantizationError(
                    f"Adding scaled integers at {node.where()} needs a per-tensor output scale."
                )
            inner = Int(
                max(a.dtype.width, b.dtype.width) + INT_ADD_GUARD_BITS + 2,
                True,
                Scale.per_tensor(out_t.scale.values[0] / (1 << INT_ADD_GUARD_BITS)),
            )
            a = self._requant(a, inner, node, f"{node.outputs[0].name}_a")
            b = self._requant(b, inner, node, f"{node.outputs[0].name}_b")
            sum_t = Int(inner.bits + 1, True, inner.scale)
        (acc,) = self._emit(node.op, [a, b], sum_t, node, out_names=[f"{node.outputs[0].name}_acc"])
        self._finish(node, acc, 1)

    def _align(self, value: Value, sum_t: Fixed, node: Node, tag: str) -> Value:
        t = value.dtype
        grow = sum_t.frac_bits - t.frac_bits
        if grow == 0:
            return value
        if value.is_constant:
            value.const = (
                np.asarray(value.const, np.int64) << grow
            )  # exact re-expression of a constant
            value.dtype = Fixed(t.width + grow, t.int_bits, t.signed)
            return value
        return self._requant(
            value,
            Fixed(t.width + grow, t.int_bits, t.signed),
            node,
            f"{node.outputs[0].name}_{tag}",
        )

    def mul(self, node: Node) -> None:
        like = next(self._get(v).dtype for v in node.inputs if v is not None and v.const is None)
        a, b = self._operand(node, 0, like), self._operand(node, 1, like)
        prod_t = _product_type(a.dtype, b.dtype)
        (acc,) = self._emit("Mul", [a, b], prod_t, node, out_names=[f"{node.outputs[0].name}_acc"])
        self._finish(node, acc, 1)

    def matmul(self, node: Node) -> None:
        a, b = self._get(node.inputs[0]), self._get(node.inputs[1])
        k = node.inputs[0].shape[-1]
        prod_t = widen(_product_type(a.dtype, b.dtype), _terms_bits(k))
        (acc,) = self._emit(
            "MatMul", [a, b], prod_t, node, out_names=[f"{node.outputs[0].name}_acc"]
        )
        self._finish(node, acc, node.outputs[0].rank - 1)

    def concat(self, node: Node) -> None:
        out_t = self._type_of(node.outputs[0])
        inputs = []
        for i, value in enumerate(node.inputs):
            if value is not None and value.const is not None:
                inputs.append(
                    self._const(
                        f"{node.name}_const{i}",
                        quantize_real(np.asarray(value.const, np.float64), out_t),
                        out_t,
                    )
                )
            else:
                inputs.append(
                    self._requant(self._get(value), out_t, node, f"{node.outputs[0].name}_in{i}")
                )
        (out,) = self._emit("Concat", inputs, out_t, node, out_names=[node.outputs[0].name])
        self.map[id(node.outputs[0])] = out

    def pass_through(self, node: Node) -> None:
        x = self._get(node.inputs[0])
        attrs = dict(node.attrs)
        if node.op == "Pad":
            attrs["value"] = int(
                quantize_real(np.asarray([attrs["value"]], np.float64), x.dtype)[0]
            )
        if node.op == "Resize" and attrs["mode"] != "nearest":
            raise QuantizationError(
                f"Linear resizing at {node.where()} has no integer form; use mode nearest."
            )
        outs = self._emit(
            node.op,
            [x],
            [x.dtype] * len(node.outputs),
            node,
            attrs=attrs,
            out_names=[v.name for v in node.outputs],
        )
        for src, dst in zip(node.outputs, outs, strict=True):
            self.map[id(src)] = dst

    def pool(self, node: Node) -> None:
        x = self._get(node.inputs[0])
        kind = node.attrs["kind"]
        out = node.outputs[0]
        if kind == "max":
            (y,) = self._emit(node.op, [x], x.dtype, node, out_names=[out.name])
            self.map[id(out)] = y
            return
        if kind != "avg":
            raise QuantizationError(f"Lp pooling at {node.where()} has no integer form.")
        if node.op == "Pool":
            n = int(np.prod(node.attrs["kernel"]))
            if any(node.attrs["pads"]) and not node.attrs["count_include_pad"]:
                raise QuantizationError(
                    f"Average pooling at {node.where()} excludes padding from its divisor, so each window divides "
                    f"by a different count; quantized average pooling needs count_include_pad=1 or no padding."
                )
        else:
            n = int(np.prod(node.inputs[0].shape[2:]))
        (total,) = self._emit(
            node.op, [x], widen(x.dtype, _terms_bits(n)), node, out_names=[f"{out.name}_sum"]
        )
        self.map[id(out)] = self._requant(total, self._type_of(out), node, out.name, extra=1.0 / n)

    def activation(self, node: Node) -> None:
        x = self._get(node.inputs[0])
        out = node.outputs[0]
        func = node.attrs["func"]
        if func == "relu":
            (y,) = self._emit("Activation", [x], x.dtype, node, out_names=[out.name])
        elif func == "clip":
            (y,) = self._emit("Activation", [x], x.dtype, node, out_names=[out.name])
            y.producer.annotations["clip_codes"] = _clip_codes(node, x.dtype)
        else:
            out_t = self._type_of(out)
            definition = registry.get("Activation")

            def function(real: np.ndarray) -> np.ndarray:
                return definition.compute(node, real)[0]

            try:
                table = build_table(function, x.dtype, out_t, quantize_real)
            except ValueError as exc:
                raise QuantizationError(
                    f"The activation at {node.where()} cannot use a lookup table: {exc}."
                ) from None
            (y,) = self._emit("Activation", [x], out_t, node, out_names=[out.name])
            y.producer.annotations["table"] = table
        self.map[id(out)] = y


def _as_fixed(t: NumericType) -> Fixed:
    if isinstance(t, Fixed):
        return t
    if t.scale is not None and not (t.scale.is_pow2 and t.scale.granularity == "tensor"):
        raise QuantizationError(
            f"Cannot mix the scaled integer type {t} with fixed-point types in one layer."
        )
    exponent = 0 if t.scale is None else t.scale.exponents[0]
    return Fixed(t.bits, t.bits + exponent, t.signed)


def _product_type(a: NumericType, b: NumericType) -> NumericType:
    if isinstance(a, Int) and isinstance(b, Int):
        return mul_type(a, b)
    return mul_type(_as_fixed(a), _as_fixed(b))


def _const_type(like: NumericType, data: np.ndarray) -> NumericType:
    absmax = float(np.abs(data).max()) if data.size else 0.0
    if isinstance(like, Fixed):
        return Fixed(like.width, fixed_int_bits(absmax), True, Rounding.RND, Overflow.SAT)
    qmax = (1 << (like.bits - 1)) - 1
    return Int(like.bits, True, Scale.per_tensor(absmax / qmax if absmax > 0 else 1.0))


def _clip_codes(node: Node, t: NumericType) -> tuple[int, int]:
    step = float(lsb(t)[0])
    low = (
        t.min_code
        if node.attrs["min"] is None
        else max(t.min_code, math.ceil(node.attrs["min"] / step))
    )
    high = (
        t.max_code
        if node.attrs["max"] is None
        else min(t.max_code, math.floor(node.attrs["max"] / step))
    )
    return int(low), int(high)


_RULES: dict[str, Callable[[_Lowering, Node], None]] = {
    **{op: _Lowering.weighted for op in WEIGHTED},
    "Affine": _Lowering.affine,
    "Add": _Lowering.add_sub,
    "Sub": _Lowering.add_sub,
    "Mul": _Lowering.mul,
    "MatMul": _Lowering.matmul,
    "Concat": _Lowering.concat,
    **{op: _Lowering.pass_through for op in PASS_THROUGH},
    "Pool": _Lowering.pool,
    "GlobalPool": _Lowering.pool,
    "Activation": _Lowering.activation,
}
