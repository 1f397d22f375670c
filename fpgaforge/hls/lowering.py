"""Scheduled quantized graph → kernel calls: a generic driver over the schedule's stages.

Each stage is lowered by the HLS part of its unit kit (`fpgaforge/units/<kit>/hls.py`,
found with `kit_of(stage.kind)`), which appends the kernel calls of the stage's fused
nodes through `Lowering`, the backend's `HlsContext`. Which nodes belong together is the
schedule's decision; this module knows no op except the graph-input `Quantize` (the host
quantizes the inputs, so it has no kernel).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from fpgaforge.hls.errors import HlsError, HlsUnsupportedError
from fpgaforge.ir.executor import batch_mixing_node
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.ir.value import Value
from fpgaforge.names import Namer
from fpgaforge.numerics.types import Fixed, Int
from fpgaforge.units import kit_of, layout
from fpgaforge.units.hls_call import KernelCall, Table


def dtype_of(value: Value) -> Fixed | Int:
    t = value.dtype
    if not isinstance(t, Fixed | Int):
        raise HlsUnsupportedError(
            f"Value {value.name!r} has dtype {t}, not a quantized type; the HLS backend needs a quantized graph."
        )
    return t


def ctype(value: Value) -> str:
    return layout.code_type(dtype_of(value))


def stage_folding(schedule) -> dict[str, dict]:
    """node name → folding of the stage that holds it (first node of a stage gets it)."""
    result: dict[str, dict] = {}
    for stage in schedule.stages:
        for name in stage.nodes:
            result.setdefault(name, dict(stage.folding))
    return result


def check_batch_axis(graph: Graph) -> None:
    """Streams carry one inference of dimension 0 at a time: in a graph bound to a batch of
    several, a node that mixes those entries (a sequence-first layout) is refused naming
    it (`HlsUnsupportedError`)."""
    if graph.static_batch <= 1:
        return
    node = batch_mixing_node(graph)
    if node is not None:
        raise HlsUnsupportedError(
            f"Node {node.name!r} ({node.op}) cannot be built for HLS: it mixes the "
            f"{graph.static_batch} entries of dimension 0, so that dimension is not a batch "
            "of independent inferences as streams need; export the model with a batch "
            "dimension of 1 in front and its attention written batch first "
            "(torch.nn.MultiheadAttention, inside TransformerEncoderLayer too, moves the "
            "sequence to dimension 0 even with batch_first=True)."
        )


class ValueAliases:
    """Which buffer or stream carries a value: a kit's call that only renames (a reshape,
    a free split) records an alias instead of a copy; the part of `HlsContext` both the
    streaming and the decode-step lowering share."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def src(self, value: Value) -> str:
        return self.aliases.get(value.name, value.name)

    def src_name(self, name: str) -> str:
        return self.aliases.get(name, name)

    def alias(self, name: str, src: str) -> None:
        self.aliases[name] = src


class Lowering(ValueAliases):
    """Lowers the stages of a schedule of a quantized graph; the `HlsContext` of the kits.

    After `run()`: `calls` (in graph order), `aliases` (value → the stream carrying it),
    `virtual` (streams no value names: name → (ctype, count)), `wmem` / `wmem_words` (the
    tiled weight memory, in layer order) and `folding` (node name → its stage's folding)."""

    def __init__(self, graph: Graph, schedule, tiled: bool, namer: Namer) -> None:
        super().__init__()
        self.graph = graph
        self.schedule = schedule
        self.folding = stage_folding(schedule)
        self.tiled = tiled
        self.namer = namer
        self.calls: list[KernelCall] = []
        self.wmem_words = 0
        self.wmem: list[np.ndarray] = []
        self.virtual: dict[str, tuple[str, int]] = {}
        self._order = {node.name: i for i, node in enumerate(graph.nodes)}
        self._unnamed: list[tuple[int, int, str, Table]] = []

    # -- the context the kits write through (fpgaforge.units.hls_call.HlsContext) ----------
    def _check_batch_first(self) -> None:
        """Streams carry one sample at a time, batch axis first: a node whose output moves
        another axis to dimension 0 (a sequence-first attention), or, in a graph bound to a
        batch of several, a node that mixes those samples, is refused naming it."""
        batch = {int(v.shape[0]) for v in self.graph.inputs if v.shape}
        if batch != {1}:
            check_batch_axis(self.graph)
            return
        for node in self.graph.nodes:
            for out in node.outputs:
                if out is not None and out.shape and int(out.shape[0]) != 1:
                    raise self.fail(
                        node,
                        f"its output {out.name!r} of shape {out.shape} has another axis than "
                        f"the batch in dimension 0 (a sequence-first layout, as the ONNX export "
                        f"of torch.nn.MultiheadAttention writes); streams carry the batch "
                        f"first: write the attention batch first",
                    )

    def fail(self, node: Node, why: str) -> HlsUnsupportedError:
        return HlsUnsupportedError(
            f"Node {node.name!r} ({node.op}) cannot be built for HLS: {why}."
        )

    def dtype(self, value: Value) -> Fixed | Int:
        return dtype_of(value)

    def ctype(self, value: Value) -> str:
        return ctype(value)

    def declare_stream(self, name: str, ctype: str, count: int) -> None:
        self.virtual[name] = (ctype, count)

    def table(self, node: Node, role: str, ctype: str, values: Any, partition: int = 1) -> Table:
        # named in run(), in graph order (see there)
        table = Table("", ctype, np.asarray(values, dtype=object).ravel(), partition)
        self._unnamed.append(
            (self._order[node.name], len(self._unnamed), f"{node.name}_{role}", table)
        )
        return table

    def add(
        self,
        node: Node,
        header: str,
        func: str,
        types: dict,
        consts: dict,
        inputs,
        outputs,
        tables=(),
        uses_wmem: bool = False,
    ) -> None:
        self.append(
            KernelCall(
                header,
                func,
                node.name,
                types,
                consts,
                [self.src(v) for v in inputs],
                [v.name for v in outputs],
                list(tables),
                uses_wmem,
            )
        )

    def append(self, call: KernelCall) -> None:
        self.calls.append(call)

    def to_wmem(self, weight: np.ndarray) -> int:
        flat = np.asarray(weight).ravel()
        if flat.size and (int(flat.min()) < -(1 << 31) or int(flat.max()) >= 1 << 31):
            raise HlsUnsupportedError(
                "Tiled mode stores one weight code per 32-bit word; a weight is wider than 32 bits."
            )
        flat = flat.astype("<i4")  # the words of weights.bin
        offset = self.wmem_words
        self.wmem.append(flat)
        self.wmem_words += flat.size
        return offset

    # -- the driver ----------------------------------------------------------------------
    def run(self) -> list[KernelCall]:
        input_values = {v.name for v in self.graph.inputs}
        self._check_batch_first()
        for stage, nodes in zip(self.schedule.stages, self._stage_nodes(), strict=True):
            members = []
            for node in nodes:
                if node.op != "Quantize":
                    members.append(node)
                elif node.inputs[0] is None or node.inputs[0].name not in input_values:
                    raise self.fail(
                        node, "Quantize is only supported on graph inputs (the host quantizes)"
                    )
            if not members:
                continue
            try:
                kit = kit_of(stage.kind)
            except KeyError:
                raise HlsError(
                    f"Stage {stage.name!r} has template kind {stage.kind!r}, which no unit kit provides."
                ) from None
            part = kit.part("hls")
            if part is None:
                raise self.fail(members[0], "no HLS kernel implements this op")
            part.lower(self, stage, members)
        # Stages list their nodes in fusion order, and fusion can take a node from further
        # down the graph: in a residual block the requants fused behind one branch's
        # convolution come after the other branch's convolution in the graph. The top
        # function calls the kernels in graph order, as it always has (the stream and FIFO
        # names and their order in the generated files depend on it), so the calls are
        # sorted by their node's place in the graph (stably: a node's own calls keep their
        # order), and the tables are named in that order too, since the namer hands out the
        # suffixes of clashing names first come, first served. The weight memory needs no
        # sorting: only a stage's first node stores weights, and stages are in graph order.
        self.calls.sort(key=lambda call: self._order[call.node])
        for _, _, raw, table in sorted(self._unnamed, key=lambda entry: entry[:2]):
            table.name = self.namer.name(raw, "t")
        self._unnamed.clear()
        return self.calls

    def _stage_nodes(self) -> list[list[Node]]:
        """The graph nodes of each stage; every node must be in exactly one stage."""
        by_name = {node.name: node for node in self.graph.nodes}
        held = Counter(name for stage in self.schedule.stages for name in stage.nodes)
        for name in held:
            if name not in by_name:
                raise HlsError(
                    f"The schedule names node {name!r}, which the quantized graph does not have; "
                    "schedule the graph that is being built."
                )
        for node in self.graph.nodes:
            if held[node.name] != 1:
                where = "no stage" if not held[node.name] else f"{held[node.name]} stages"
                raise HlsError(
                    f"Node {node.name!r} ({node.op}) is in {where} of the schedule; "
                    "schedule the graph that is being built."
                )
        return [[by_name[name] for name in stage.nodes] for stage in self.schedule.stages]


__all__ = ["KernelCall", "Lowering", "Table", "ctype", "dtype_of", "stage_folding"]
