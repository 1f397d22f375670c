"""ONNX ops that state-space model exports use: Einsum, Tile, Expand, Where and comparisons."""

from __future__ import annotations

from fpgaforge.frontend.onnx.common import ints
from fpgaforge.frontend.onnx.context import ImportContext
from fpgaforge.frontend.onnx.registry import converter
from fpgaforge.ir.value import Value

_COMPARE = {
    "Greater": "greater",
    "GreaterOrEqual": "greater_equal",
    "Less": "less",
    "LessOrEqual": "less_equal",
    "Equal": "equal",
}


@converter("Einsum")
def einsum(ctx: ImportContext) -> list[Value | None]:
    equation = str(ctx.attr("equation", "")).replace(" ", "")
    if "->" not in equation:  # implicit output: the letters used once, sorted
        letters = equation.replace("...", "").replace(",", "")
        once = "".join(sorted(ch for ch in set(letters) if letters.count(ch) == 1))
        equation += "->" + ("..." if "..." in equation else "") + once
    inputs = [v for v in ctx.inputs if v is not None]
    return [ctx.emit1("Einsum", inputs, {"equation": equation})]


@converter("Tile")
def tile(ctx: ImportContext) -> list[Value | None]:
    x = ctx.require_input(0, "input")
    repeats = ints(ctx.const_input(1, "repeats"))
    if len(repeats) != x.rank:
        raise ctx.unsupported(f"{len(repeats)} repeats for a rank-{x.rank} input")
    result = x
    for axis, count in enumerate(repeats):
        if count < 1:
            raise ctx.unsupported(f"repeat count {count} on axis {axis}")
        if count > 1:
            result = ctx.emit1("Concat", [result] * count, {"axis": axis})
    return [result]


@converter("Expand")
def expand(ctx: ImportContext) -> list[Value | None]:
    """Broadcast to a constant shape: a Reshape for new leading axes, then a Concat of
    copies along each axis of size 1 that grows (as `Tile` does)."""
    x = ctx.require_input(0, "input")
    target = ints(ctx.const_input(1, "shape"))
    rank = max(x.rank, len(target))
    shape = (1,) * (rank - x.rank) + tuple(x.shape)
    wanted = (1,) * (rank - len(target)) + tuple(target)
    result = x
    if shape != tuple(x.shape):
        result = ctx.emit1("Reshape", [x], {"shape": shape})
    for axis, (have, want) in enumerate(zip(shape, wanted, strict=True)):
        if want in (1, have):
            continue
        if have != 1:
            raise ctx.unsupported(f"it expands axis {axis} of size {have} to {want}")
        result = ctx.emit1("Concat", [result] * want, {"axis": axis})
    return [result]


@converter(*_COMPARE)
def compare(ctx: ImportContext) -> list[Value | None]:
    a, b = ctx.require_input(0, "A"), ctx.require_input(1, "B")
    return [ctx.emit1("Compare", [a, b], {"kind": _COMPARE[ctx.op_type]})]


@converter("Where")
def where(ctx: ImportContext) -> list[Value | None]:
    c = ctx.require_input(0, "condition")
    a, b = ctx.require_input(1, "X"), ctx.require_input(2, "Y")
    return [ctx.emit1("Where", [c, a, b])]
