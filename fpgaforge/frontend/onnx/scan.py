"""Import an ONNX `Scan` by unrolling its body over the (static) sequence length.

Each iteration imports a copy of the body whose values and nodes are named
``<scan>/t<i>/<name>``: the state inputs read the previous iteration's state
outputs, the scan inputs read a `Gather` of one position of the sequence, and
the scan outputs are stacked back (a `Reshape` that adds the scan axis, then a
`Concat`). Reverse directions are honoured. The canonicalization rules then see
ordinary graph content: a Mamba-2 decode step in the body fuses to `SSMStep`s,
which `fpgaforge.frontend.rules.ssm_scan` chains into one `SSMScan`.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping

import numpy as np
import onnx
from onnx import numpy_helper

from fpgaforge.errors import ModelLoadError, UnsupportedOpError, cut
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.ir.limits import check_shape
from fpgaforge.ir.value import Value, constant

MAX_STEPS = 4096
"""The longest Scan that is unrolled (the graph grows by one body per step)."""

ImportNode = Callable[[onnx.NodeProto, int], None]
Order = Callable[[onnx.GraphProto], list[onnx.NodeProto]]


def _ints(node: onnx.NodeProto, name: str, count: int, default: int) -> list[int]:
    for attr in node.attribute:
        if attr.name == name:
            values = list(attr.ints)
            return values if values else [default] * count
    return [default] * count


def _body(node: onnx.NodeProto, name: str) -> onnx.GraphProto:
    body = next((a.g for a in node.attribute if a.name == "body" and a.type == a.GRAPH), None)
    if body is None:
        raise ModelLoadError(f"Scan node {cut(name)} has no body graph; the model is malformed.")
    return body


def _renamed(
    body: onnx.GraphProto, prefix: str, internal: set[str], order: Order
) -> list[onnx.NodeProto]:
    """Copies of the body's nodes with their own values and names under `prefix`."""
    nodes = []
    for index, original in enumerate(order(body)):
        node = onnx.NodeProto()
        node.CopyFrom(original)
        node.name = f"{prefix}{original.name or f'{original.op_type}_{index}'}"
        for i, value in enumerate(node.input):
            if value in internal:
                node.input[i] = prefix + value
        for i, value in enumerate(node.output):
            if value:
                node.output[i] = prefix + value
        nodes.append(node)
    return nodes


def inline_scan(
    ctx: ImportContext,
    node: onnx.NodeProto,
    name: str,
    inputs: list[Value | None],
    env: MutableMapping[str, Value | None],
    import_node: ImportNode,
    order: Order,
) -> None:
    """Unroll Scan `node` into the graph (its body's nodes imported in `order`); binds
    its outputs in `env`."""
    body = _body(node, name)
    scans = next((a.i for a in node.attribute if a.name == "num_scan_inputs"), 0)
    states = len(inputs) - scans
    if scans < 1 or states < 0 or len(body.input) != len(inputs):
        raise ModelLoadError(
            f"Scan node {cut(name)} has {len(inputs)} inputs, {scans} scanned, for a body of "
            f"{len(body.input)} inputs; the model is malformed."
        )
    outputs = len(body.output) - states
    if outputs < 0 or len(node.output) > len(body.output):
        raise ModelLoadError(
            f"Scan node {cut(name)} has {len(node.output)} outputs for a body of "
            f"{len(body.output)} outputs and {states} states; the model is malformed."
        )
    ctx.begin(node, name, inputs)
    seq = inputs[states:]
    if any(v is None for v in inputs):
        raise ctx.unsupported("one of its inputs is empty")
    in_axes = _ints(node, "scan_input_axes", scans, 0)
    in_dirs = _ints(node, "scan_input_directions", scans, 0)
    out_axes = _ints(node, "scan_output_axes", outputs, 0)
    out_dirs = _ints(node, "scan_output_directions", outputs, 0)
    axes = [a % v.rank for a, v in zip(in_axes, seq, strict=True)]  # type: ignore[union-attr]
    lengths = {v.shape[a] for a, v in zip(axes, seq, strict=True)}  # type: ignore[union-attr]
    if len(lengths) != 1:
        raise ctx.unsupported(f"its scan inputs have different lengths {sorted(lengths)}")
    length = lengths.pop()
    if not 1 <= length <= MAX_STEPS:
        raise ctx.unsupported(
            f"it runs {length} steps; fpgaforge unrolls 1 to {MAX_STEPS} (export a shorter sequence)"
        )
    internal = {v.name for v in body.input} | {v.name for v in body.initializer}
    internal |= {out for n in body.node for out in n.output if out}
    shared = f"{name}/"
    for tensor in body.initializer:  # read once, shared by every iteration
        check_shape(tensor.dims, f"Initializer {cut(tensor.name)}")
        array = numpy_helper.to_array(tensor, base_dir="")
        value = constant(ctx.graph.unique_name(shared + tensor.name), array)
        env[shared + tensor.name] = value
    carried: list[Value] = list(inputs[:states])  # type: ignore[arg-type]
    stacked: list[list[Value]] = [[] for _ in range(outputs)]
    for t in range(length):
        prefix = f"{name}/t{t}/"
        for tensor in body.initializer:
            env[prefix + tensor.name] = env[shared + tensor.name]
        for info, value in zip(body.input[:states], carried, strict=True):
            env[prefix + info.name] = value
        for info, value, axis, reverse in zip(body.input[states:], seq, axes, in_dirs, strict=True):
            ctx.begin(node, name, inputs)
            position = length - 1 - t if reverse else t
            env[prefix + info.name] = ctx.emit1(
                "Gather", [value], {"indices": np.array(position), "axis": axis}
            )
        for index, inner in enumerate(_renamed(body, prefix, internal, order)):
            import_node(inner, index)
        results = []
        for out in body.output:
            value = env.get(prefix + out.name) if out.name in internal else env.get(out.name)
            if value is None:
                raise UnsupportedOpError(
                    name, "Scan", ctx.opset, f"its body output {out.name!r} is not computed"
                )
            results.append(value)
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
