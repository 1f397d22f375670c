"""RTL of the table Softmax: one `ff_softmax` on a one-lane stream whose rows are
contiguous, with the quantizer's exp table as its ROM image."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.netlist import Instance, Planner, Stream, comment, type_bits
from fpgaforge.units.rom import hex_word
from fpgaforge.units.softmax_norm.match import match


def _row_of(node: Node) -> tuple[np.ndarray, int]:
    """The softmax row of every logical (row-major) element of the input frame, and the
    row length (opset < 13: the input flattened to 2-D at `axis`)."""
    shape = tuple(int(d) for d in node.inputs[0].shape)
    frame = (1, *shape[1:])
    axis = int(node.attrs["axis"]) % len(frame)
    index = np.arange(math.prod(frame)).reshape(frame)
    if node.attrs.get("legacy"):
        n = math.prod(frame[axis:])
        return (index // n).ravel(), n
    first = np.take(index, [0], axis=axis)
    return np.broadcast_to(first, frame).ravel(), frame[axis]


def softmax(planner: Planner, stage: Any, node: Node) -> None:
    """`ff_softmax` on the current stream (one lane; the schedule's width converter in
    front when the producer emits several)."""
    planner.check_input(node, stage)
    s = planner.stream
    assert s is not None
    table = node.quant.table
    if table is None or node.attrs.get("log"):
        raise planner.fail(stage, "only the quantizer's table softmax has an RTL unit")
    if int(table.offset) != 0:
        raise planner.fail(stage, "its exp table does not start at distance 0")
    rows, n = _row_of(node)
    streamed = rows[s.perm].reshape(-1, n)
    if not (streamed == streamed[:, :1]).all():
        raise planner.fail(stage, "its softmax rows are not contiguous in the stream order")
    found = match(node, planner.graph, 1)
    assert found is not None
    geometry = found.streaming.softmax_geometry()
    if geometry.n != n or (geometry.in_w, geometry.in_signed) != (s.width, s.signed):
        raise planner.fail(stage, "its row or element type differs from the stream's")
    out_w, out_signed = type_bits(node.outputs[0].dtype)
    if out_w != geometry.frac + 1 or out_signed:
        raise planner.fail(stage, "its output is not the unsigned quotient of the table softmax")
    planner.connect(1, stage)
    name = f"mem/s{len(planner.units):02d}_exp.hex"
    planner.add(
        Instance(
            "ff_softmax",
            planner.names.claim(stage.name, prefix="u"),
            {**geometry.params(), "EXP_FILE": name},
            1,
            s.width,
            1,
            out_w,
            stage.name,
            comment(f"table softmax {stage.name} over rows of {n}"),
            {name: [hex_word([int(v)], geometry.exp_w) for v in table.values]},
        )
    )
    planner.stream = Stream(1, out_w, False, s.perm, s.chw, s.depth)
    planner.value = node.outputs[0].name
