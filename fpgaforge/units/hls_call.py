"""What a unit kit's HLS part produces (`KernelCall`, `Table`) and what it may ask of the
HLS backend while it lowers a stage (`HlsContext`).

A kit's `hls.py` has `lower(ctx, stage, nodes)`: it appends the kernel calls of the
stage's fused nodes (in the stage's order) through `ctx`. It may also own per-node
emitters, listed in `OPS` (op name → `emitter(ctx, stage, node)`): the kernel call of one
node of that op, wherever the schedule put the node. A fused epilogue node (a requant or
activation behind a MAC array, say) is emitted with `emit`, which finds the kit that owns
its op; nothing lists the ops centrally. No kernel arithmetic is generated: an emitter only
fills the config of a kernel from `fpgaforge/hls/kernels/`.

This module sits below `fpgaforge.hls` (units must not import the backends): the backend's
context implements `HlsContext`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.numerics.types import Fixed, Int
from fpgaforge.units.kit import kits


@dataclass
class Table:
    """A constant array passed to a kernel (weights, biases, multipliers, index maps)."""

    name: str
    ctype: str
    values: np.ndarray
    partition: int = 1  # ARRAY_PARTITION cyclic factor (1: none; 0: complete)
    in_memory: bool = False  # tiled mode: lives in the m_axi weight memory


@dataclass
class KernelCall:
    """One kernel invocation in the top function."""

    header: str
    func: str
    node: str  # raw node name (for comments and errors)
    types: dict[str, str]
    consts: dict[str, int]
    inputs: list[str]  # value names (before stream allocation)
    outputs: list[str]
    tables: list[Table] = field(default_factory=list)
    uses_wmem: bool = False
    stage: str = ""


class Stage(Protocol):
    """A schedule's stage as a kit sees it (`fpgaforge.dataflow.StageRecord`)."""

    name: str
    kind: str
    nodes: tuple[str, ...]
    folding: dict[str, Any]


class HlsContext(Protocol):
    """The HLS backend's side of lowering: errors, type spelling, stream names, tables,
    the weight memory, and the list of kernel calls being built."""

    tiled: bool  # the design has an m_axi weight memory (tiled style)

    def fail(self, node: Node, why: str) -> Exception:
        """The error to raise: one sentence naming `node` and saying `why` it cannot be built."""
        ...

    def dtype(self, value: Value) -> Fixed | Int:
        """The quantized type of `value` (an error when the graph is not quantized)."""
        ...

    def ctype(self, value: Value) -> str:
        """The C++ type of the codes of `value` (e.g. `ap_int<8>`)."""
        ...

    def src(self, value: Value) -> str:
        """The stream that carries `value` (an earlier identity movement may alias it)."""
        ...

    def src_name(self, name: str) -> str:
        """`src` by stream name."""
        ...

    def alias(self, name: str, src: str) -> None:
        """Value `name` is carried by stream `src` unchanged: no kernel call, no stream."""
        ...

    def declare_stream(self, name: str, ctype: str, count: int) -> None:
        """Declare stream `name` that no graph value names (`count` codes of `ctype`)."""
        ...

    def table(self, node: Node, role: str, ctype: str, values: Any, partition: int = 1) -> Table:
        """A constant table of `node` (named after the node and its `role`)."""
        ...

    def add(
        self,
        node: Node,
        header: str,
        func: str,
        types: dict[str, str],
        consts: dict[str, int],
        inputs: Iterable[Value],
        outputs: Iterable[Value],
        tables: Iterable[Table] = (),
        uses_wmem: bool = False,
    ) -> None:
        """Append a kernel call of `node` reading `inputs` and writing `outputs`."""
        ...

    def append(self, call: KernelCall) -> None:
        """Append a kernel call whose stream names are already resolved."""
        ...

    def to_wmem(self, weight: np.ndarray) -> int:
        """Store `weight` in the weight memory (one code per 32-bit word); its word offset."""
        ...


Emitter = Callable[[HlsContext, Stage, Node], None]


@functools.cache
def _emitters() -> dict[str, Emitter]:
    found: dict[str, Emitter] = {}
    for kit in kits():
        part = kit.part("hls")
        for op, emitter in getattr(part, "OPS", {}).items():
            if op in found:
                raise TypeError(f"Op {op!r} has an HLS emitter in two unit kits.")
            found[op] = emitter
    return found


@functools.cache
def decode_emitters() -> dict[str, Emitter]:
    """Op → emitter of the decode-step kernels (array kernels called one after another, the
    Mamba-2 decode step): each kit's `DECODE_OPS`; an op has at most one."""
    found: dict[str, Emitter] = {}
    for kit in kits():
        part = kit.part("hls")
        for op, emitter in getattr(part, "DECODE_OPS", {}).items():
            if op in found:
                raise TypeError(f"Op {op!r} has a decode-step emitter in two unit kits.")
            found[op] = emitter
    return found


def table_ctype(values: np.ndarray) -> str:
    """The narrowest signed `ap_int` of a constant table."""
    return f"ap_int<{signed_bits(np.asarray(values, dtype=np.int64))}>"


def emit(ctx: HlsContext, stage: Stage, node: Node) -> None:
    """The kernel call(s) of one node, by the kit whose HLS part owns its op (`OPS`)."""
    emitter = _emitters().get(node.op)
    if emitter is None:
        raise ctx.fail(node, "no HLS kernel implements this op")
    emitter(ctx, stage, node)


def lower_each(ctx: HlsContext, stage: Stage, nodes: Sequence[Node]) -> None:
    """A stage whose nodes each run as their own kernel call, by the kits that own them."""
    for node in nodes:
        emit(ctx, stage, node)


def lower_fused(
    ctx: HlsContext, stage: Stage, nodes: Sequence[Node], anchors: Mapping[str, Emitter]
) -> None:
    """A fused stage: its first node by the stage's own unit (`anchors`, by op), then one call
    per fused node (bias, scale, requant, activation, pooling) by the kit that owns it."""
    first, *rest = nodes
    anchors.get(first.op, emit)(ctx, stage, first)
    for node in rest:
        emit(ctx, stage, node)


def largest_divisor(n: int, want: int) -> int:
    """The largest divisor of `n` that is at most `want` (a folding factor the loops divide)."""
    want = max(1, min(int(want), n))
    while n % want:
        want -= 1
    return want


def signed_bits(values: np.ndarray) -> int:
    """Bits of a signed ap_int holding every value."""
    if values.size == 0:
        return 2
    lo, hi = int(values.min()), int(values.max())
    return max(2, max(hi.bit_length(), (-lo - 1).bit_length() if lo < 0 else 0) + 1)


def bias_table(ctx: HlsContext, node: Node, index: int, count: int, acc: Value) -> Table:
    """The bias of a weighted node (constant input `index`, zeros without one), typed as `acc`."""
    data = node.const_input(index) if len(node.inputs) > index else None
    values = np.zeros(count, dtype=np.int64) if data is None else np.asarray(data).reshape(-1)
    return ctx.table(node, "bias", ctx.ctype(acc), values)


__all__ = [
    "Emitter",
    "HlsContext",
    "KernelCall",
    "Stage",
    "Table",
    "bias_table",
    "decode_emitters",
    "emit",
    "largest_divisor",
    "lower_each",
    "lower_fused",
    "signed_bits",
    "table_ctype",
]
