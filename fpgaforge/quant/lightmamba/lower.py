"""Lower a float Mamba-2 decode step to the integer ops of `fpgaforge.ir.ops.intssm`.

Every activation becomes int64 codes with a static number of fractional bits chosen
from calibration (the largest magnitude seen fits `container_bits` with one bit of
headroom). The embedding, the final RMSNorm and the LM head stay in float (the host
part of LightMamba); the residual stream is converted at the embedding and back in
front of the final norm. States are integer codes in and out (inputs `X`, outputs `X_out`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.executor import execute
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.quant.lightmamba.spec import MambaQuantSpec, check_groups
from fpgaforge.quant.lightmamba.ssm import lower_ssm
from fpgaforge.quant.lightmamba.tables import rsqrt_table, silu_table
from fpgaforge.quant.lightmamba.weights import quantize_weight, shifts_for

Ranges = dict[str, float]


def state_pairs(graph: Graph) -> dict[str, str]:
    outputs = {v.name for v in graph.outputs}
    return {v.name: v.name + "_out" for v in graph.inputs if v.name + "_out" in outputs}


def calibrate(graph: Graph, tokens: Sequence[int]) -> Ranges:
    """Largest magnitude of every value over a token sequence, the state carried."""
    pairs = state_pairs(graph)
    feeds = {v.name: np.zeros(v.shape, np.float32) for v in graph.inputs if v.name in pairs}
    names = [v.name for n in graph.nodes for v in n.outputs]
    ranges: Ranges = {}
    token_input = next(v.name for v in graph.inputs if v.name not in pairs)
    for token in tokens:
        out = execute(graph, {token_input: np.array([int(token)]), **feeds}, outputs=names)
        for name, array in out.items():
            if np.asarray(array).dtype.kind == "f":
                ranges[name] = max(ranges.get(name, 0.0), float(np.abs(array).max(initial=0)))
        feeds = {k: out[v] for k, v in pairs.items()}
    return ranges


class _Lowering:
    def __init__(self, graph: Graph, spec: MambaQuantSpec, ranges: Ranges) -> None:
        self.src, self.spec, self.ranges = graph, spec, ranges
        self.g = Graph(graph.name + "_q")
        self.map: dict[int, Value] = {}
        self.frac: dict[int, int] = {}
        self.pairs = state_pairs(graph)
        self.host: set[int] = set()

    # ---- helpers ----------------------------------------------------------------
    def frac_for(self, value: Value, bits: int | None = None) -> int:
        top = max(self.ranges.get(value.name, 0.0), 2.0**-12)
        bits = bits or self.spec.container_bits
        return int(min(30, bits - 2 - math.ceil(math.log2(top))))

    def const(self, name: str, data) -> Value:
        return self.g.add_constant(name, np.asarray(data, dtype=np.int64))

    def emit(self, op: str, inputs: list, node: Node, attrs: dict, suffix: str = "", **kw):
        return self.g.add_node(
            op, inputs, name=node.name + suffix, attrs=attrs, source=node.source,
            **kw,
        ).outputs  # fmt: skip

    def put(self, old: Value, new: Value, frac: int | None) -> None:
        self.map[id(old)] = new
        if frac is not None:
            self.frac[id(new)] = frac

    def get(self, old: Value | None) -> Value | None:
        return None if old is None else self.map[id(old)]

    def fr(self, old: Value) -> int:
        return self.frac[id(self.map[id(old)])]

    def act(self, bits: int, group: int, value: Value | None) -> dict:
        if group > 0 or value is None:
            return {"act_bits": bits, "act_group": group, "act_shift": 0}
        top = self.ranges.get(value.name, 0.0) * 2.0 ** self.fr(value)
        shift = max(0, math.ceil(math.log2(max(top, 1.0) + 1)) - (bits - 1))
        return {"act_bits": bits, "act_group": 0, "act_shift": shift}

    # ---- the walk ---------------------------------------------------------------
    def run(self) -> Graph:
        for value in self.src.inputs:
            if value.name in self.pairs:
                new = self.g.add_input(value.name, value.shape, np.int64)
                out = self.src.find_value(self.pairs[value.name])
                self.put(value, new, self.frac_for(out))
            else:
                self.put(value, self.g.add_input(value.name, value.shape, value.dtype), None)
                self.host.add(id(value))
        for node in self.src.nodes:
            handler = getattr(self, "_" + node.op.lower(), None)
            if handler is None:
                raise QuantizationError(
                    f"The LightMamba quantization has no integer form for {node.where()}."
                )
            handler(node)
        outs = []
        for value in self.src.outputs:
            new = self.get(value)
            if value.name in self.pairs.values():
                want = self.frac[id(self.map[id(self.src.find_value(value.name[:-4]))])]
                if self.frac[id(new)] != want:
                    raise QuantizationError(f"State {value.name!r} changes its format.")
            self.g.rename_value(new, value.name) if new.name != value.name else None
            outs.append(new)
        self.g.outputs = outs
        return self.g

    def _embedding(self, node: Node) -> None:
        (y,) = self.g.add_node(
            "Embedding", [self.get(node.inputs[0]), node.inputs[1]], name=node.name,
            source=node.source,
        ).outputs  # fmt: skip
        frac = self.frac_for(node.outputs[0])
        (codes,) = self.emit("FixedQuant", [y], node, {"frac": frac, "bits": 32}, "_codes")
        self.put(node.outputs[0], codes, frac)

    def _is_host_norm(self, node: Node) -> bool:
        users = node.outputs[0].users
        return all(u.op == "Dense" and u.outputs[0] in self.src.outputs for u in users)

    def _rmsnorm(self, node: Node) -> None:
        x = node.inputs[0]
        if self._is_host_norm(node):
            (real,) = self.emit("FixedDequant", [self.get(x)], node, {"frac": self.fr(x)}, "_real")
            inputs = [real, node.inputs[1], None]
            (y,) = self.g.add_node("RMSNorm", inputs, name=node.name, attrs=node.attrs).outputs
            self.put(node.outputs[0], y, None)
            self.host.add(id(node.outputs[0]))
            return
        if len(node.inputs) > 1 and node.inputs[1] is not None:
            raise QuantizationError(f"{node.where()} keeps a weight; fold it into the next layer.")
        fin, fout = self.fr(x), self.frac_for(node.outputs[0])
        bits = 10
        inputs = [self.get(x), self.const(node.name + "_rsqrt", rsqrt_table(bits, 16))]
        attrs = {"frac_in": fin, "frac_out": fout, "group_size": int(node.attrs["group_size"]),
                 "table_bits": bits, "r_bits": 16,
                 "eps_code": int(round(float(node.attrs["epsilon"]) * 2.0 ** (2 * fin)))}  # fmt: skip
        gate = node.inputs[2] if len(node.inputs) > 2 else None
        if gate is not None:
            fg = self.fr(gate)
            table, t_attrs = silu_table(fg, fin, self.spec.table_bits)
            (sz,) = self.emit("IntTable", [self.get(gate), self.const(node.name + "_silu", table)],
                              node, t_attrs, "_gate_silu")  # fmt: skip
            inputs.append(sz)
            attrs["frac_gate"] = fin
        (y,) = self.emit("IntRMSNorm", inputs, node, attrs)
        self.put(node.outputs[0], y, fout)

    def _dense(self, node: Node) -> None:
        x, w = node.inputs[0], node.inputs[1]
        if id(x) in self.host:
            (y,) = self.g.add_node("Dense", [self.get(x), w, node.input(2)], name=node.name).outputs
            self.put(node.outputs[0], y, None)
            self.host.add(id(node.outputs[0]))
            return
        if node.input(2) is not None:
            raise QuantizationError(f"{node.where()} has a bias; Mamba linears have none.")
        weight = np.asarray(w.const, np.float64)
        check_groups(self.spec, weight.shape[1], node.where())
        src = x.producer
        if src is not None and src.op == "Hadamard":
            weight = weight / math.sqrt(weight.shape[1])  # the integer transform is unnormalized
        q, m, exp, group = quantize_weight(weight, self.spec)
        spec = self.spec
        a_group = spec.a_group if spec.a_group > 0 else 0
        fout = self._out_frac(node)
        attrs = {"frac_in": self.fr(x), "frac_out": fout, "w_exp": exp, "group": group,
                 "out_bits": 32, **self.act(spec.a_bits, a_group, x)}  # fmt: skip
        inputs = [self.get(x), self.const(node.name + "_q", q), self.const(node.name + "_m", m)]
        (y,) = self.emit("IntLinear", inputs, node, attrs)
        self.put(node.outputs[0], y, fout)

    def _out_frac(self, node: Node) -> int:
        """A linear writing the residual stream uses the stream's format."""
        for user in node.outputs[0].users:
            if user.op == "Add":
                other = user.inputs[1] if user.inputs[0] is node.outputs[0] else user.inputs[0]
                if id(other) in self.map:
                    return self.fr(other)
        return self.frac_for(node.outputs[0])

    def _add(self, node: Node) -> None:
        a, b = node.inputs
        if self.fr(a) != self.fr(b):
            raise QuantizationError(f"{node.where()} adds codes of different formats.")
        (y,) = self.emit("Add", [self.get(a), self.get(b)], node, {})
        self.put(node.outputs[0], y, self.fr(a))

    def _pass(self, node: Node) -> None:
        x = node.inputs[0]
        outs = self.emit(node.op, [self.get(x)], node, node.attrs)
        for old, new in zip(node.outputs, outs, strict=True):
            self.put(old, new, self.fr(x))

    _split = _reshape = _pass

    def _hadamard(self, node: Node) -> None:
        x = node.inputs[0]
        (y,) = self.emit("Hadamard", [self.get(x)], node, {"normalized": False})
        self.put(node.outputs[0], y, self.fr(x))

    def _activation(self, node: Node) -> None:
        if node.attrs["func"] != "silu":
            raise QuantizationError(f"{node.where()}: only SiLU has a table here.")
        x = node.inputs[0]
        fout = self.frac_for(node.outputs[0])
        table, attrs = silu_table(self.fr(x), fout, self.spec.table_bits)
        (y,) = self.emit("IntTable", [self.get(x), self.const(node.name + "_table", table)],
                         node, attrs)  # fmt: skip
        self.put(node.outputs[0], y, fout)

    def _causalconv1d(self, node: Node) -> None:
        x, w, b, state = node.inputs
        fin, fout = self.fr(x), self.frac_for(node.outputs[0])
        weight = np.asarray(w.const, np.float64)
        bits = self.spec.conv_bits
        shift = shifts_for(np.abs(weight).max(axis=1), bits, 8)
        q = np.clip(
            np.round(weight * 2.0 ** shift[:, None]), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        )
        bias = np.zeros(weight.shape[0]) if b is None else np.asarray(b.const, np.float64)
        self.frac[id(self.get(state))] = fin  # the state holds past inputs in their format
        inputs = [self.get(x), self.const(node.name + "_q", q), self.const(node.name + "_shift", shift),
                  self.const(node.name + "_bias", np.round(bias * 2.0**fout)), self.get(state)]  # fmt: skip
        attrs = {"frac_in": fin, "frac_out": fout, **self.act(bits, 8, x)}
        y, s = self.emit("IntConv1d", inputs, node, attrs, num_outputs=2)
        self.put(node.outputs[0], y, fout)
        self.put(node.outputs[1], s, fin)

    def _ssmstep(self, node: Node) -> None:
        lower_ssm(self, node)


def lower_mamba(graph: Graph, spec: MambaQuantSpec, ranges: Mapping[str, float]) -> Graph:
    return _Lowering(graph, spec, dict(ranges)).run()
