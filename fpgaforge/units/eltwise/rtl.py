"""RTL of the eltwise kit: the residual join (`ff_add`, with a skip FIFO on the branch that
arrives first), an activation times or plus a constant (`ff_affine`: a scalar, a per-channel
vector or a whole tensor such as a position embedding) and element-wise activations: a ReLU
fused into the add before it or an `ff_rqstage`, a clip as an `ff_lutact` table."""

from __future__ import annotations

from typing import Any

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.units.lutact.rtl import lutact
from fpgaforge.units.netlist import (
    Instance,
    Planner,
    Stream,
    comment,
    no_unit,
    require_input,
    take_first,
    type_bits,
)
from fpgaforge.units.requant.rtl import rqstage
from fpgaforge.units.rom import hex_word, signed_bits


def build(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """A residual Add (with the ReLU the schedule fused behind it: `ff_add`'s RELU), or a
    one-activation stage (ReLU as ff_rqstage, other functions as ff_lutact)."""
    ops = [n.op for n in nodes]
    if ops in (["Add"], ["Sub"], ["Mul"]) and _constant_operand(nodes[0]) is not None:
        require_input(planner, stage)
        with_constant(planner, stage, nodes[0])
        planner.publish(stage)
        return
    if ops in (["Add"], ["Add", "Activation"]):
        require_input(planner, stage)
        join(planner, stage, nodes[0])
        if len(nodes) == 2:
            fuse_relu(planner, stage, nodes[1])
        planner.publish(stage)
        return
    take_first(planner, stage, nodes)
    if ops != ["Activation"]:
        raise no_unit(planner, stage, nodes)
    node = nodes[0]
    if node.attrs.get("func") != "relu":
        lutact(planner, stage, node)
    else:
        rqstage(planner, stage, node, relu=True, requant=None)
    planner.publish(stage)


def _constant_operand(node: Node) -> int | None:
    """Which input of a binary node is its only constant (None: none, or both)."""
    consts = [i for i, v in enumerate(node.inputs[:2]) if v is not None and v.is_constant]
    return consts[0] if len(consts) == 1 else None


def _frac(value: Any) -> int:
    return int(getattr(value.dtype, "frac_bits", 0) or 0)


def _period(values: np.ndarray, lanes: int) -> int:
    """The fewest beats of `lanes` after which `values` (one per stream position) repeat."""
    beats = len(values) // lanes
    for p in range(1, beats + 1):
        if beats % p == 0 and (values.reshape(-1, p * lanes) == values[: p * lanes]).all():
            return p
    return beats


def with_constant(planner: Planner, stage: Any, node: Node) -> None:
    """x · c, x + c or x − c (c a constant broadcast to x's shape, not beyond it) as
    `ff_affine`: the constant in stream order, stored for the fewest beats after which it
    repeats."""
    index = _constant_operand(node)
    if index is None or (node.op == "Sub" and index == 0):
        raise planner.fail(stage, "only x · c, x + c and x − c of a constant c have an RTL unit")
    planner.take(node.inputs[1 - index].name, stage)
    affine(planner, stage, node)


def affine(planner: Planner, stage: Any, node: Node, lanes: int | None = None) -> None:
    """`ff_affine` for `node` (x · c, x + c or x − c) on the current stream, which carries x
    (`with_constant` after taking it, or a MAC stage's fused epilogue), `lanes` per beat
    (default: the stage's PE)."""
    index = _constant_operand(node)
    if index is None or (node.op == "Sub" and index == 0):
        raise no_unit(planner, stage, [node])
    x, c, out = node.inputs[1 - index], node.inputs[index], node.outputs[0]
    if x.name != planner.value:
        raise planner.fail(stage, f"node {node.name!r} does not read the stage's stream")
    if tuple(x.shape) != tuple(out.shape):
        raise planner.fail(
            stage, "the constant operand broadcasts the activation to a larger shape"
        )
    aligned = (
        _frac(out) == _frac(x) + _frac(c)
        if node.op == "Mul"
        else _frac(out) == _frac(x) == _frac(c)
    )
    if not aligned:
        raise planner.fail(stage, "the operands' codes are not aligned to the output's lsb")
    s = planner.stream
    assert s is not None
    data = np.asarray(c.const, dtype=np.int64)
    full = np.broadcast_to(data.reshape((1,) * (out.rank - data.ndim) + data.shape), out.shape)
    values = full.reshape(-1)[s.perm]
    lanes = int(stage.folding.get("pe", 1)) if lanes is None else lanes
    if len(values) % lanes:
        lanes = 1
    planner.connect(lanes, stage)
    p = _period(values, lanes)
    mul = node.op == "Mul"
    scale = values[: p * lanes] if mul else np.ones(p * lanes, np.int64)
    bias = np.zeros(p * lanes, np.int64) if mul else values[: p * lanes]
    if node.op == "Sub":
        bias = -bias
    s_w, b_w = signed_bits([int(v) for v in scale]), signed_bits([int(v) for v in bias])
    out_w, out_signed = type_bits(out.dtype)
    base = f"mem/s{len(planner.units):02d}"
    files = {
        f"{base}_scale.hex": [
            hex_word(list(scale[k * lanes : (k + 1) * lanes]), s_w) for k in range(p)
        ],
        f"{base}_bias.hex": [
            hex_word(list(bias[k * lanes : (k + 1) * lanes]), b_w) for k in range(p)
        ],
    }
    if not mul:
        del files[f"{base}_scale.hex"]
    what = {"Mul": "times", "Add": "plus", "Sub": "minus"}[node.op]
    planner.add(
        Instance(
            "ff_affine",
            planner.names.claim(stage.name, prefix="u"),
            {
                "IN_W": s.width,
                "IN_SIGNED": int(s.signed),
                "LANES": lanes,
                "P": p,
                "MUL": int(mul),
                "S_W": s_w,
                "B_W": b_w,
                "OUT_W": out_w,
                "SCALE_FILE": f"{base}_scale.hex",
                "BIAS_FILE": f"{base}_bias.hex",
            },
            lanes,
            s.width,
            lanes,
            out_w,
            stage.name,
            comment(f"{node.op} {stage.name}: x {what} a constant of {p * lanes} values"),
            files,
        )
    )
    planner.stream = Stream(lanes, out_w, out_signed, s.perm, s.chw, s.depth)
    planner.value = out.name


def fuse_relu(planner: Planner, stage: Any, node: Node) -> None:
    """The ReLU fused behind the join: the ff_add just built clamps its sums (RELU=1)."""
    last = planner.units[-1]
    if node.attrs.get("func") != "relu" or last.module != "ff_add":
        raise no_unit(planner, stage, [node])
    last.params["RELU"] = 1
    last.comment = comment(f"{last.comment} + relu")
    planner.check_input(node, stage)
    planner.value = node.outputs[0].name


def join(planner: Planner, stage: Any, node: Node) -> None:
    """Residual Add of two aligned streams: the branch that arrives first goes through a
    skip FIFO (ff_fifo), then ff_add; a lane converter on either side when needed."""
    a_val, b_val = node.inputs[0], node.inputs[1]
    if a_val is None or b_val is None or a_val.shape != b_val.shape:
        raise planner.fail(stage, "the Add needs two inputs of one shape (no broadcasting)")
    for v in (a_val, b_val):
        t = v.dtype
        if getattr(t, "frac_bits", 0) != getattr(a_val.dtype, "frac_bits", 0):
            raise planner.fail(stage, "the Add's inputs are not aligned to one lsb")
    lanes = int(stage.folding.get("pe", 1))
    sides: list[tuple[str, Stream]] = []
    for v in (a_val, b_val):
        planner.take(v.name, stage)
        s = planner.stream
        assert s is not None
        total = len(s.perm)
        if (s.chw[0] if s.chw else total) % lanes:
            lanes = 1
        sides.append((planner.wire, s))
    if not np.array_equal(sides[0][1].perm, sides[1][1].perm):
        raise planner.fail(stage, "the Add's inputs arrive in different element orders")
    joined: list[tuple[str, Stream]] = []
    fifos = 0
    for (wire, s), v in zip(sides, (a_val, b_val), strict=True):
        planner.wire, planner.stream, planner.value = wire, s, v.name
        planner.connect(lanes, stage)
        fifo = planner.glue("fifo", stage)
        if fifo is not None:
            skip_fifo(planner, fifo, lanes)
            fifos += 1
        joined.append((planner.wire, planner.stream))
    if fifos != 1:
        raise planner.fail(
            stage, "the schedule has no skip FIFO on one of its branches; reschedule the model"
        )
    (wa, sa), (wb, sb) = joined
    out_w, out_signed = type_bits(node.outputs[0].dtype)
    wide = max(out_w, sa.width + int(not sa.signed), sb.width + int(not sb.signed))
    planner.wire = planner.new_wire(lanes * out_w)
    planner.units.append(
        Instance(
            "ff_add",
            planner.names.claim(stage.name, prefix="u"),
            {
                "A_W": sa.width,
                "B_W": sb.width,
                "A_SIGNED": int(sa.signed),
                "B_SIGNED": int(sb.signed),
                "OUT_W": wide,
                "LANES": lanes,
                "RELU": 0,
            },
            lanes,
            sa.width,
            lanes,
            wide,
            stage.name,
            comment(f"residual add {stage.name}"),
            inputs=[wa, wb],
            outputs=[planner.wire],
        )
    )
    if wide != out_w:
        raise planner.fail(stage, f"the sum needs {wide} bits, the Add's type has {out_w}")
    planner.stream = Stream(lanes, out_w, out_signed, sa.perm, sa.chw, max(sa.depth, sb.depth))
    planner.value = node.outputs[0].name


def skip_fifo(planner: Planner, fifo: Any, lanes: int) -> None:
    """The schedule's skip FIFO stage `fifo` on a join's early branch (one frame deep, which
    keeps the join deadlock-free against the line buffers of the other branch)."""
    s = planner.stream
    assert s is not None
    depth = int(fifo.glue["depth"])
    if int(fifo.glue["lanes"]) != lanes:
        raise planner.fail(
            fifo, f"its skip FIFO is {fifo.glue['lanes']} lanes wide, the join {lanes}"
        )
    planner.add(
        Instance(
            "ff_fifo",
            planner.names.claim(fifo.name, prefix="u"),
            {"W": lanes * s.width, "DEPTH": depth},
            lanes,
            s.width,
            lanes,
            s.width,
            fifo.name,
            comment(f"skip FIFO of {depth} beats (one frame keeps the join deadlock-free)"),
        )
    )
