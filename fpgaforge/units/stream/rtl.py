"""RTL of the stream kit: a Transpose as an `ff_reorder` frame buffer; Reshape, Flatten and
Identity cost no unit (the stream is relabelled: its `perm` already holds the logical order)."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
    no_unit,
    take_first,
    type_bits,
)
from fpgaforge.units.rom import hex_word

FREE = ("Reshape", "Flatten", "Identity")


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A Transpose as ff_reorder, or a chain of free ops as a relabelled stream."""
    take_first(planner, stage, nodes)
    ops = [n.op for n in nodes]
    if ops == ["Transpose"]:
        reorder(planner, stage, nodes[0])
    elif all(op in FREE for op in ops):
        for node in nodes:
            planner.check_input(node, stage)
            assert planner.stream is not None
            # a feature map again when the relabelled stream is in its NHWC order
            perm, chw = canonical_order(tuple(int(d) for d in node.outputs[0].shape))
            same = chw is not None and np.array_equal(planner.stream.perm, perm)
            planner.stream.chw = chw if same else None
            planner.value = node.outputs[0].name
    else:
        raise no_unit(planner, stage, nodes)
    planner.publish(stage)


def reorder(planner: Planner, stage: Any, node: Node) -> None:
    """A Transpose as an ff_reorder frame buffer (the `stream` template's buffered op).

    The output leaves in the canonical order (NHWC for a 4-D tensor, row-major otherwise)
    of the value its free reshapes lead to (its own when none follow: a (1, T, H, D) head
    split transposed back and merged to (1, T, H·D) leaves token by token); the index ROM lists, for each output stream position, the
    input stream position of its element (the input keeps its own `Stream.perm`)."""
    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    x, y = node.inputs[0], node.outputs[0]
    if type_bits(y.dtype) != (s.width, s.signed):
        raise planner.fail(stage, f"node {node.name!r} changes the element type")
    last = reshaped(planner, y)
    out_perm, chw = canonical_order(tuple(int(d) for d in last.shape))
    if last is not y:
        chw = None
    order = transpose_order(s.perm, tuple(int(d) for d in x.shape), node.attrs.get("perm"))
    total = len(order)
    pe = int(stage.folding.get("pe", 1))
    if total % pe:
        raise planner.fail(stage, f"{total} elements cannot be cut into beats of {pe}")
    planner.connect(pe, stage)
    name = f"mem/s{len(planner.units):02d}_order.hex"
    planner.add(
        Instance(
            "ff_reorder",
            planner.names.claim(stage.name, prefix="u"),
            {"EW": s.width, "PE": pe, "ELEMS": total, "ORDER_FILE": name},
            pe,
            s.width,
            pe,
            s.width,
            stage.name,
            comment(f"transpose {stage.name}: frame buffer of {total} elements"),
            {name: order_words(order[out_perm], pe)},
        )
    )
    # a frame buffer lags its input by a whole frame: later than any sliding window
    planner.stream = Stream(pe, s.width, s.signed, out_perm, chw, s.depth + 1)
    planner.value = y.name


def reshaped(planner: Planner, value: Any) -> Any:
    """The value a chain of free ops (each the only reader of its input) makes of `value`:
    they keep the row-major flat index, so the stream order that suits it suits `value`."""
    while len(value.users) == 1 and value.users[0].op in FREE:
        if any(value is o for o in planner.graph.outputs):
            break
        value = value.users[0].outputs[0]
    return value


def canonical_order(shape: tuple[int, ...]) -> tuple[np.ndarray, tuple[int, int, int] | None]:
    """(perm, chw) of a tensor streamed in the RTL's order: NHWC for N×C×H×W, else row-major."""
    total = int(np.prod(shape))
    if len(shape) == 4 and shape[0] == 1:
        _, c, h, w = shape
        return np.arange(total).reshape(c, h, w).transpose(1, 2, 0).reshape(-1), (c, h, w)
    return np.arange(total), None


def transpose_order(in_perm: np.ndarray, in_shape: tuple[int, ...], axes: Any) -> np.ndarray:
    """For each logical (row-major) output index of a Transpose, the input stream position
    of its element; `axes` is the ONNX `perm` (None: reversed axes)."""
    axes = tuple(int(a) for a in axes) if axes else tuple(reversed(range(len(in_shape))))
    source = np.arange(int(np.prod(in_shape))).reshape(in_shape).transpose(axes).reshape(-1)
    position = np.empty(len(in_perm), dtype=np.int64)
    position[in_perm] = np.arange(len(in_perm))
    return position[source]


def order_words(order: np.ndarray, pe: int) -> list[str]:
    """ff_reorder's index ROM: per output beat, one field per lane holding the input beat
    (high bits) and input lane (low bits) of that lane's element."""
    beats = len(order) // pe
    lane_bits = max(1, (pe - 1).bit_length())
    field = max(1, (beats - 1).bit_length()) + lane_bits
    codes = [(int(i) // pe) << lane_bits | int(i) % pe for i in order]
    return [hex_word(codes[b * pe : (b + 1) * pe], field) for b in range(beats)]
