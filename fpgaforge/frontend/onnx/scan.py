"""Import an ONNX `Scan` by unrolling its body over the (static) sequence length.

The body is imported once as a model of its own (states and one position of each
scan input as inputs, values it reads from the enclosing graph as initializers or
further inputs) and canonicalized, so a Mamba-2 decode step in the body becomes
`SSMStep`, `CausalConv1d` and `RMSNorm` once. Then each iteration adds a copy of
that graph, its nodes named ``<scan>/t<i>/<name>``: the state inputs read the
previous iteration's state outputs, the scan inputs read a `Gather` of one position
of the sequence, and the scan outputs are stacked back (a `Reshape` that adds the
scan axis, then a `Concat`). Reverse directions are honoured. The chain of
`SSMStep`s then fuses to one `SSMScan` (`fpgaforge.frontend.rules.ssm_scan`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import numpy as np
import onnx
from onnx import helper, numpy_helper

from fpgaforge.errors import ModelLoadError, cut
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.value import Value

MAX_STEPS = 4096
"""The longest Scan that is unrolled (the graph grows by one body per step)."""

LoadBody = Callable[[onnx.ModelProto], Graph]


def _ints(node: onnx.NodeProto, name: str, count: int) -> list[int]:
    for attr in node.attribute:
        if attr.name == name and attr.ints:
            return list(attr.ints)
    return [0] * count


def _info(name: str, value: Value) -> onnx.ValueInfoProto:
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(value.dtype))
    return helper.make_tensor_value_info(name, elem, list(value.shape))


def _body_model(
    ctx: ImportContext,
    body: onnx.GraphProto,
    bound: list[tuple[str, Value]],
    env: MutableMapping[str, Value | None],
) -> tuple[onnx.ModelProto, list[tuple[str, Value]]]:
    """The body as a model with static input shapes; also the enclosing graph's values it
    reads at run time (name, value), which become further inputs."""
    internal = {v.name for v in body.input} | {v.name for v in body.initializer}
    internal |= {out for n in body.node for out in n.output if out}
    outer = sorted({i for n in body.node for i in n.input if i and i not in internal})
    graph = onnx.GraphProto()
    graph.CopyFrom(body)
    del graph.input[:]
    graph.input.extend(_info(name, value) for name, value in bound)
    dynamic = []
    for name in outer:
        value = env.get(name)
        if value is None:
            continue  # the importer names the missing value when the copy is read
        if value.const is not None:
            graph.initializer.append(numpy_helper.from_array(np.asarray(value.const), name))
        else:
            graph.input.append(_info(name, value))
            dynamic.append((name, value))
    opsets = [helper.make_opsetid(d, v) for d, v in ctx.domain_opsets.items()]
    return helper.make_model(graph, opset_imports=opsets), dynamic


def _copy(
    target: Graph, source: Graph, feeds: dict[int, Value], shared: dict[int, Value], scope: str,
    prefix: str,
) -> list[Value]:  # fmt: skip
    """Add `source`'s nodes to `target` under `prefix`, its inputs read from `feeds` (by
    id) and its constants from `shared` (created once, under `scope`); returns its
    outputs' copies."""
    mapped = dict(feeds)

    def get(value: Value | None) -> Value | None:
        if value is None:
            return None
        if id(value) in mapped:
            return mapped[id(value)]
        assert value.const is not None, value
        if id(value) not in shared:
            shared[id(value)] = target.add_constant(f"{scope}/{value.name}", value.const)
        return shared[id(value)]

    for node in source.nodes:
        copy = target.add_node(
            node.op, [get(v) for v in node.inputs], name=prefix + node.name,
            attrs=dict(node.attrs), source=node.source, num_outputs=len(node.outputs),
            output_names=[prefix + v.name for v in node.outputs],
        )  # fmt: skip
        for old, new in zip(node.outputs, copy.outputs, strict=True):
            mapped[id(old)] = new
    return [get(v) for v in source.outputs]  # type: ignore[misc]


def inline_scan(
    ctx: ImportContext,
    node: onnx.NodeProto,
    name: str,
    inputs: list[Value | None],
    env: MutableMapping[str, Value | None],
    load_body: LoadBody,
) -> None:
    """Unroll Scan `node` into the graph (its body imported with `load_body`); binds its
    outputs in `env`."""
    ctx.begin(node, name, inputs)
    body = next((a.g for a in node.attribute if a.name == "body" and a.type == a.GRAPH), None)
    scans = next((a.i for a in node.attribute if a.name == "num_scan_inputs"), 0)
    states = len(inputs) - scans
    if body is None or scans < 1 or states < 0 or len(body.input) != len(inputs):
        raise ModelLoadError(
            f"Scan node {cut(name)} has {len(inputs)} inputs ({scans} scanned) for a body of "
            f"{len(body.input) if body else 0} inputs; the model is malformed."
        )
    outputs = len(body.output) - states
    if outputs < 0 or len(node.output) > len(body.output):
        raise ModelLoadError(
            f"Scan node {cut(name)} has {len(node.output)} outputs for a body of "
            f"{len(body.output)} outputs and {states} states; the model is malformed."
        )
    if any(v is None for v in inputs):
        raise ctx.unsupported("one of its inputs is empty")
    seq: list[Value] = inputs[states:]  # type: ignore[assignment]
    axes = [a % v.rank for a, v in zip(_ints(node, "scan_input_axes", scans), seq, strict=True)]
    in_dirs = _ints(node, "scan_input_directions", scans)
    out_axes = _ints(node, "scan_output_axes", outputs)
    out_dirs = _ints(node, "scan_output_directions", outputs)
    lengths = {v.shape[a] for a, v in zip(axes, seq, strict=True)}
    if len(lengths) != 1:
        raise ctx.unsupported(f"its scan inputs have different lengths {sorted(lengths)}")
    length = lengths.pop()
    if not 1 <= length <= MAX_STEPS:
        raise ctx.unsupported(
            f"it runs {length} steps; fpgaforge unrolls 1 to {MAX_STEPS} (export a shorter sequence)"
        )
    slices = [
        (info.name, ctx.emit1("Gather", [v], {"indices": np.array(0), "axis": a}))
        for info, v, a in zip(body.input[states:], seq, axes, strict=True)
    ]  # typed like one position; also the position 0 read of the first iteration
    bound = [(i.name, v) for i, v in zip(body.input[:states], inputs, strict=False)] + slices
    model, dynamic = _body_model(ctx, body, bound, env)  # type: ignore[arg-type]
    sub = load_body(model)
    shared: dict[int, Value] = {}
    carried: list[Value] = list(inputs[:states])  # type: ignore[arg-type]
    stacked: list[list[Value]] = [[] for _ in range(outputs)]
    for t in range(length):
        feeds = list(carried)
        for (_, first), v, a, reverse in zip(slices, seq, axes, in_dirs, strict=True):
            position = length - 1 - t if reverse else t
            feeds.append(
                first
                if position == 0
                else ctx.emit1("Gather", [v], {"indices": np.array(position), "axis": a})
            )
        feeds += [value for _, value in dynamic]
        by_id = {id(s): f for s, f in zip(sub.inputs, feeds, strict=True)}
        results = _copy(ctx.graph, sub, by_id, shared, name, f"{name}/t{t}/")
        carried = results[:states]
        for k, value in enumerate(results[states:]):
            stacked[k].append(value)
    ctx.begin(node, name, inputs)
    for out_name, value in zip(node.output[:states], carried, strict=False):
        if out_name:
            env[out_name] = value
    for k, out_name in enumerate(node.output[states:]):
        if not out_name:
            continue
        steps = stacked[k][::-1] if out_dirs[k] else stacked[k]
        axis = out_axes[k] % (steps[0].rank + 1)
        shape = (*steps[0].shape[:axis], 1, *steps[0].shape[axis:])
        parts = [ctx.emit1("Reshape", [v], {"shape": shape}) for v in steps]
        env[out_name] = parts[0] if len(parts) == 1 else ctx.emit1("Concat", parts, {"axis": axis})
