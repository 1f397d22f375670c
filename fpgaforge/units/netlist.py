"""What the units' RTL builders produce and the planner interface they build against.

A kit's `rtl.py` has `build(planner, stage, nodes)`: it reads the current stream, appends
`Instance`s of its Verilog modules (wired by name) and publishes its output stream. The
planner is `fpgaforge.rtl.planner.RtlPlanner`; kits type-hint against the `Planner` protocol
below so that nothing under `units/` imports the RTL backend.

The RTL streams tensors in channel-fastest order (NHWC for feature maps), `lanes` elements
per beat. Every stream carries `perm`: the logical (row-major, NCHW) flat index of each
stream position, so flattening is free and the Dense weights after a flatten are permuted
instead of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.names import Namer, comment_safe
from fpgaforge.units.errors import RtlUnsupportedError

#: characters of an instance's comment in the generated top
COMMENT_LIMIT = 80


@dataclass
class Stream:
    """A tensor on the wire: lanes per beat, element width and signedness, element order."""

    lanes: int
    width: int
    signed: bool
    perm: np.ndarray
    chw: tuple[int, int, int] | None
    depth: int = 0  # sliding-window units since the input (which branch of a join lags)

    def copy(self) -> Stream:
        """An independent copy (forks hand each consumer its own)."""
        return Stream(self.lanes, self.width, self.signed, self.perm.copy(), self.chw, self.depth)


@dataclass
class Instance:
    """One instance of a library module in the generated top.

    burst: beats the instance can emit on consecutive cycles (a width converter behind it
    buffers that many so it never stalls it); 0 when it never bursts. contents: what the
    resource model reads from its ROM images (e.g. live table bits, `units/rom.py`), passed
    to the kit's terms with the parameters; not Verilog parameters."""

    module: str
    inst: str
    params: dict[str, Any]
    in_lanes: int
    in_width: int
    out_lanes: int
    out_width: int
    stage: str
    comment: str
    mems: dict[str, list[str]] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    burst: int = 0
    contents: dict[str, int] = field(default_factory=dict)


class Planner(Protocol):
    """The netlist under construction, as the units' RTL builders see it.

    State: `stream` / `value` / `wire` are the current stream, the graph value it carries and
    the wire it is on; `input` is the top's input stream once a builder opened it; `units` are
    the instances so far (in stream order) and `wires` the top's wires with their bits;
    `kit_state` is scratch space for builders that span several stages (keyed by kit name)."""

    graph: Graph
    schedule: Any
    names: Namer
    units: list[Instance]
    wires: dict[str, int]
    stream: Stream | None
    value: str | None
    wire: str
    input: Stream | None
    kit_state: dict[str, Any]

    def node(self, name: str) -> Node:
        """The graph node called `name`."""
        ...

    def fail(self, stage: Any, why: str) -> RtlUnsupportedError:
        """The one-sentence error for a stage the builder cannot implement (to raise)."""
        ...

    def new_wire(self, bits: int) -> str:
        """A fresh wire of `bits` bits."""
        ...

    def add(self, unit: Instance) -> None:
        """Append a one-input, one-output instance fed by the current wire."""
        ...

    def take(self, value: str, stage: Any) -> None:
        """Make `value` the current stream (one of its fork outputs when it has several readers)."""
        ...

    def publish(self, stage: Any) -> None:
        """Offer the current stream to its readers, through the schedule's fork stage when
        there are several."""
        ...

    def connect(self, lanes: int, stage: Any) -> None:
        """Build the schedule's width converter when the current stream's lanes differ from
        `lanes` (a refusal when the schedule has none there)."""
        ...

    def glue(self, kind: str, stage: Any) -> Any:
        """The schedule's glue stage of `kind` on the current stream: the 'dwc' or 'fifo' that
        feeds `stage`, or the 'fork' behind it (None when there is none)."""
        ...

    def check_input(self, node: Node, stage: Any) -> None:
        """Fail unless `node` reads the current stream."""
        ...

    def open_input(self, stream: Stream, value: str) -> None:
        """Make `stream` (carrying graph value `value`) the top's input on wire w0."""
        ...

    def at_end(self, finish: Callable[[], None]) -> None:
        """Run `finish` once every stage is built (for units that span several stages)."""
        ...


def type_bits(t: Any) -> tuple[int, bool]:
    """(width, signed) of a Fixed or Int numeric type."""
    return int(t.width), bool(t.signed)


def comment(text: str) -> str:
    """`text` made safe as an instance's comment in the generated top."""
    return comment_safe(text, COMMENT_LIMIT)


def require_input(planner: Planner, stage: Any) -> None:
    """Fail unless a builder opened the top's input (the graph input's Quantize comes first)."""
    if planner.input is None:
        raise planner.fail(stage, "the first stage must be the input Quantize")


def take_first(planner: Planner, stage: Any, nodes: list[Node]) -> None:
    """Make the stage's first node's first input the current stream."""
    require_input(planner, stage)
    first = nodes[0].inputs[0]
    if first is None:
        raise planner.fail(stage, "its first node has no input")
    planner.take(first.name, stage)


def no_unit(planner: Planner, stage: Any, nodes: list[Node]) -> RtlUnsupportedError:
    """The error for a stage whose ops no builder of its kit implements."""
    named = ", ".join(f"{n.op} node {n.name!r}" for n in nodes)
    return planner.fail(
        stage, f"no RTL unit implements {named}; build this model with --backend hls"
    )


def decode_only(
    planner: Planner, stage: Any, nodes: list[Node], module: str
) -> RtlUnsupportedError:
    """The error for a stage whose unit (`module`) only the Mamba-2 decode-step top places,
    met in a streaming design."""
    named = ", ".join(f"{n.op} node {n.name!r}" for n in nodes)
    return planner.fail(
        stage,
        f"{named} maps to {module}, which only the Mamba-2 decode-step top places, not a "
        "streaming design; build this model with --backend hls",
    )


__all__ = [
    "COMMENT_LIMIT",
    "Instance",
    "Planner",
    "Stream",
    "comment",
    "decode_only",
    "no_unit",
    "require_input",
    "take_first",
    "type_bits",
]
