"""The Graph: nodes in topological order, values with use-def links."""

from __future__ import annotations

import copy as _copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from fpgaforge.errors import GraphError, cut
from fpgaforge.ir.limits import check_shape
from fpgaforge.ir.node import Node, Provenance
from fpgaforge.ir.ops import registry
from fpgaforge.ir.printing import format_graph
from fpgaforge.ir.value import Value, constant


class Graph:
    """A model as fpgaforge sees it.

    Nodes are kept in topological order. Every `Value` knows its producer and
    its users; constants are Values with data and no producer. Build graphs
    with `add_input`, `add_constant` and `add_node` (which infers output
    shapes from the op registry) so these links stay right.
    """

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self.inputs: list[Value] = []
        self.outputs: list[Value] = []
        self.nodes: list[Node] = []
        self.metadata: dict[str, Any] = {}
        self._names: set[str] = set()
        self._node_names: set[str] = set()

    # ---- building -------------------------------------------------------
    def unique_name(self, base: str) -> str:
        """A value name not used yet in this graph, derived from `base`."""
        return _claim(self._names, base or "v")

    def unique_node_name(self, base: str) -> str:
        """A node name not used yet in this graph, derived from `base`."""
        return _claim(self._node_names, base or "node")

    def add_input(self, name: str, shape: Sequence[int], dtype: Any = np.float32) -> Value:
        """Declare a graph input with a static shape (dimension 0 is the batch)."""
        check_shape(shape, f"Input {cut(name)}")
        value = Value(self.unique_name(name), tuple(int(d) for d in shape), np.dtype(dtype))
        self.inputs.append(value)
        return value

    def add_constant(self, name: str, data: np.ndarray | float | int) -> Value:
        """Create a constant value (weights, folded shape tensors)."""
        return constant(self.unique_name(name), data)

    def add_node(
        self,
        op: str,
        inputs: Sequence[Value | None],
        *,
        name: str | None = None,
        attrs: dict[str, Any] | None = None,
        source: Provenance | None = None,
        output_names: Sequence[str] | None = None,
        num_outputs: int | None = None,
        dtypes: Sequence[Any] | None = None,
    ) -> Node:
        """Append a node after all existing ones; outputs are created from the op's shape rule.

        Inputs must already be in the graph (graph inputs, constants or outputs of
        earlier nodes), which keeps the node list in topological order.
        """
        definition = registry.get(op)
        node_name = self.unique_node_name(name or op.lower())
        node = Node(op=op, name=node_name, inputs=list(inputs), outputs=[], source=source)
        node.attrs = registry.normalize_attrs(op, dict(attrs or {}), node.where)
        n_in = len([v for v in inputs])
        if n_in < definition.min_inputs or (
            definition.max_inputs is not None and n_in > definition.max_inputs
        ):
            raise GraphError(
                f"Op {op} takes {definition.min_inputs}..{definition.max_inputs or 'n'} inputs, "
                f"got {n_in} at {node.where()}."
            )
        types = definition.infer(_float_view(node))
        if dtypes is not None:
            if len(dtypes) != len(types):
                raise GraphError(
                    f"{len(dtypes)} dtypes given for {len(types)} outputs at {node.where()}."
                )
            types = [(shape, dtype) for (shape, _), dtype in zip(types, dtypes, strict=True)]
        elif any(v is not None and not isinstance(v.dtype, np.dtype) for v in node.inputs):
            raise GraphError(f"A quantized {node.where()} needs explicit output dtypes.")
        if num_outputs is not None and len(types) != num_outputs:
            raise GraphError(
                f"Op {op} gives {len(types)} outputs, expected {num_outputs} at {node.where()}."
            )
        names = list(output_names or [])
        for i, (shape, _) in enumerate(types):
            check_shape(shape, f"Output {i} of {node.where()}")
        for i, (shape, dtype) in enumerate(types):
            base = (
                names[i]
                if i < len(names) and names[i]
                else (node_name if len(types) == 1 else f"{node_name}_out{i}")
            )
            value = Value(
                self.unique_name(base), tuple(int(d) for d in shape), dtype, producer=node
            )
            node.outputs.append(value)
        for value in node.inputs:
            if value is not None:
                value.users.append(node)
        self.nodes.append(node)
        return node

    # ---- editing --------------------------------------------------------
    def replace_uses(self, old: Value, new: Value) -> None:
        """Make every user of `old` (and the graph outputs) use `new` instead."""
        if old is new:
            return
        for user in list(old.users):
            user.inputs = [new if v is old else v for v in user.inputs]
            if user not in new.users:
                new.users.append(user)
        old.users.clear()
        for i, out in enumerate(self.outputs):
            if out is old:
                self.outputs[i] = new

    def remove_node(self, node: Node) -> None:
        """Remove a node whose outputs are no longer used."""
        for out in node.outputs:
            if out.users or out in self.outputs:
                raise GraphError(
                    f"Cannot remove {node.where()}: its output {out.name!r} is still used."
                )
        for value in node.inputs:
            if value is not None and node in value.users:
                value.users.remove(node)
        self.nodes.remove(node)
        self._node_names.discard(node.name)

    def rename_node(self, node: Node, name: str) -> None:
        """Rename a node (used to give a fused node the name of what it replaced)."""
        self._node_names.discard(node.name)
        node.name = self.unique_node_name(name)

    def rename_value(self, value: Value, name: str) -> None:
        """Rename a value (used to keep the user's output names after rewrites)."""
        self._names.discard(value.name)
        value.name = self.unique_name(name)

    def remove_dead_nodes(self) -> int:
        """Drop nodes none of whose outputs reach a graph output. Returns how many went."""
        live: set[int] = set()
        needed = list(self.outputs)
        seen: set[int] = set()
        while needed:
            value = needed.pop()
            if id(value) in seen:
                continue
            seen.add(id(value))
            if value.producer is not None:
                live.add(id(value.producer))
                needed.extend(v for v in value.producer.inputs if v is not None)
        removed = 0
        for node in reversed(list(self.nodes)):
            if id(node) not in live:
                for value in node.inputs:
                    if value is not None and node in value.users:
                        value.users.remove(node)
                self.nodes.remove(node)
                self._node_names.discard(node.name)
                removed += 1
        return removed

    def toposort(self) -> None:
        """Re-establish topological order (after rewrites that append nodes)."""
        order: list[Node] = []
        state: dict[int, int] = {}
        for root in self.nodes:
            stack: list[tuple[Node, int]] = [(root, 0)]
            while stack:
                node, i = stack.pop()
                if i == 0:
                    if state.get(id(node)) == 2:
                        continue
                    if state.get(id(node)) == 1:
                        raise GraphError(f"The graph has a cycle through {node.where()}.")
                    state[id(node)] = 1
                preds = [
                    v.producer for v in node.inputs if v is not None and v.producer is not None
                ]
                if i < len(preds):
                    stack.append((node, i + 1))
                    pred = preds[i]
                    if state.get(id(pred)) != 2:
                        if state.get(id(pred)) == 1:
                            raise GraphError(f"The graph has a cycle through {pred.where()}.")
                        stack.append((pred, 0))
                else:
                    state[id(node)] = 2
                    order.append(node)
        self.nodes = order

    # ---- queries --------------------------------------------------------
    def values(self) -> list[Value]:
        """Every value: inputs, constants used by nodes, node outputs (no duplicates)."""
        seen: dict[int, Value] = {}
        for value in self.inputs:
            seen.setdefault(id(value), value)
        for node in self.nodes:
            for value in node.inputs:
                if value is not None:
                    seen.setdefault(id(value), value)
            for value in node.outputs:
                seen.setdefault(id(value), value)
        for value in self.outputs:
            seen.setdefault(id(value), value)
        return list(seen.values())

    def constants(self) -> list[Value]:
        """The constant values (weights and other import-time tensors)."""
        return [v for v in self.values() if v.is_constant]

    def find_node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise GraphError(f"The graph {self.name!r} has no node named {name!r}.")

    def find_value(self, name: str) -> Value:
        for value in self.values():
            if value.name == name:
                return value
        raise GraphError(f"The graph {self.name!r} has no value named {name!r}.")

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.op] = counts.get(node.op, 0) + 1
        return counts

    def validate(self) -> None:
        """Check use-def links, topological order and names; raise GraphError if broken."""
        available: set[int] = {id(v) for v in self.inputs}
        names: set[str] = set()
        for value in self.inputs:
            if value.name in names:
                raise GraphError(f"Value name {value.name!r} is used twice.")
            names.add(value.name)
        for node in self.nodes:
            for value in node.inputs:
                if value is None:
                    continue
                if not value.is_constant and id(value) not in available:
                    raise GraphError(
                        f"{node.where()} uses {value.name!r} before it is produced.".capitalize()
                    )
                if node not in value.users:
                    raise GraphError(
                        f"Value {value.name!r} does not list {node.where()} as a user."
                    )
            for value in node.outputs:
                if value.producer is not node:
                    raise GraphError(
                        f"Value {value.name!r} does not name {node.where()} as producer."
                    )
                if value.name in names:
                    raise GraphError(f"Value name {value.name!r} is used twice.")
                names.add(value.name)
                available.add(id(value))
        for value in self.outputs:
            if not value.is_constant and id(value) not in available:
                raise GraphError(f"Graph output {value.name!r} is never produced.")

    def copy(self) -> Graph:
        """A deep copy (constants' arrays are shared: they are read-only)."""
        memo: dict[int, Any] = {}
        for value in self.values():
            if value.const is not None:
                memo[id(value.const)] = value.const
        return _copy.deepcopy(self, memo)

    @property
    def static_batch(self) -> int:
        """The batch size the shapes were bound with (dimension 0 of the first input)."""
        return self.inputs[0].shape[0] if self.inputs and self.inputs[0].shape else 1

    def parameter_count(self) -> int:
        return sum(
            v.size for v in self.constants() if v.const is not None and v.const.dtype.kind == "f"
        )

    def __str__(self) -> str:
        return format_graph(self)

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self.inputs)} inputs, {len(self.nodes)} nodes, {len(self.outputs)} outputs>"


def _float_view(node: Node) -> Node:
    """`node` as shape rules expect it: quantized inputs seen as float64 values.

    Shape rules only look at shapes, attributes and constant data, so a quantized
    node's shapes are inferred exactly like its float original's.
    """
    if all(v is None or isinstance(v.dtype, np.dtype) for v in node.inputs):
        return node
    proxies: list[Value | None] = [
        v
        if v is None or isinstance(v.dtype, np.dtype)
        else Value(v.name, v.shape, np.dtype(np.float64), v.const)
        for v in node.inputs
    ]
    return Node(node.op, node.name, proxies, [], node.attrs, node.source, node.quant)


def _claim(taken: set[str], base: str) -> str:
    if base not in taken:
        taken.add(base)
        return base
    i = 1
    while f"{base}_{i}" in taken:
        i += 1
    name = f"{base}_{i}"
    taken.add(name)
    return name
