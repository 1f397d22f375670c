"""Map a `Schedule` of a quantized graph onto RTL library instances: the generic driver.

`plan(graph, schedule)` walks the schedule's stages and hands each to its unit kit's RTL
builder (`fpgaforge/units/<kit>/rtl.py`, `build(planner, stage, nodes)`); the builders append
`Instance`s wired by name. This module holds only the wiring they share (`RtlPlanner`, the
`fpgaforge.units.netlist.Planner` protocol): a value read by several stages goes through
`ff_fork`s, a stream whose lanes differ from what its reader takes through an `ff_dwc`.
Lane counts follow the schedule's folding (PE outputs, SIMD inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node
from fpgaforge.rtl.errors import RtlUnsupportedError
from fpgaforge.rtl.naming import NameTable
from fpgaforge.units import kit_of
from fpgaforge.units.netlist import Instance, Stream, no_unit


def check_batch(graph: Graph) -> None:
    """The RTL top streams one inference at a time: a graph bound to a batch of several is
    refused (`RtlUnsupportedError`)."""
    if graph.static_batch != 1:
        raise RtlUnsupportedError(
            f"Graph {graph.name!r} has {graph.static_batch} entries in dimension 0; the RTL top "
            "streams one inference at a time: export the model with a batch dimension of 1 in "
            "front."
        )


@dataclass
class Plan:
    """The generated top's contents: instances in stream order and the I/O format."""

    top: str
    units: list[Instance]
    input: Stream
    output: Stream
    input_name: str
    output_name: str
    in_elements: int
    out_elements: int
    stage_estimates: list[dict[str, Any]]
    wires: dict[str, int] = field(default_factory=dict)
    in_wire: str = "w0"
    out_wire: str = "w0"


def plan(graph: Graph, schedule: Any) -> Plan:
    """The generated top of `graph` scheduled as `schedule` (streaming or tiled)."""
    return RtlPlanner(graph, schedule).plan()


def _stage_estimates(sched: Any) -> list[dict[str, Any]]:
    """Per-stage cycles and interval the schedule estimated (for the project's report)."""
    return [
        {
            "name": layer.name,
            "kind": layer.kind,
            "cycles": layer.estimates.cycles,
            "ii": layer.estimates.ii,
        }
        for layer in sched.report.layers
    ]


class RtlPlanner:
    """Builds a `Plan` from a quantized graph and its schedule (implements `units.netlist.Planner`)."""

    def __init__(self, graph: Graph, schedule: Any) -> None:
        self.graph = graph
        self.schedule = schedule
        self.names = NameTable()
        self.units: list[Instance] = []
        self.stream: Stream | None = None
        self.value: str | None = None
        self.wire = "w0"
        self.wires: dict[str, int] = {}
        self.input: Stream | None = None
        self.kit_state: dict[str, Any] = {}
        self.avail: dict[str, list[tuple[str, Stream]]] = {}
        self.finishers: list[Callable[[], None]] = []
        self.glue_stages = {
            (s.kind, s.glue["target"], s.glue["value"]): s
            for s in schedule.stages
            if getattr(s, "glue", None) is not None
        }

    # -- the Planner protocol -----------------------------------------------------------------
    def node(self, name: str) -> Node:
        return self.graph.find_node(name)

    def fail(self, stage: Any, why: str) -> RtlUnsupportedError:
        return RtlUnsupportedError(
            f"Stage {stage.name!r} ({stage.kind}) has no RTL implementation: {why}."
        )

    def new_wire(self, bits: int) -> str:
        name = f"w{len(self.wires)}"
        self.wires[name] = bits
        return name

    def add(self, unit: Instance) -> None:
        unit.inputs = [self.wire]
        self.wire = self.new_wire(unit.out_lanes * unit.out_width)
        unit.outputs = [self.wire]
        self.units.append(unit)

    def take(self, value: str, stage: Any) -> None:
        entries = self.avail.get(value)
        if not entries:
            raise self.fail(stage, f"its input {value!r} is not available as a stream")
        self.wire, self.stream = entries.pop(0)
        self.value = value

    def glue(self, kind: str, stage: Any) -> Any:
        return self.glue_stages.get((kind, stage.name if kind != "fork" else "", self.value))

    def publish(self, stage: Any) -> None:
        s = self.stream
        assert s is not None and self.value is not None
        # the schedule's fork stage says how many stages read this stream (one without it)
        fork = self.glue("fork", stage)
        readers = int(fork.glue["readers"]) if fork is not None else 1
        entries: list[tuple[str, Stream]] = []
        wire = self.wire
        for k in range(readers - 1):
            bits = self.wires[wire]
            a, b = self.new_wire(bits), self.new_wire(bits)
            self.units.append(
                Instance(
                    "ff_fork",
                    self.names.claim(f"fork_{stage.name}", prefix="u"),
                    {"W": bits},
                    s.lanes,
                    s.width,
                    s.lanes,
                    s.width,
                    fork.name,
                    f"broadcast to reader {k + 1} of {readers}",
                    inputs=[wire],
                    outputs=[a, b],
                )
            )
            entries.append((a, s.copy()))
            wire = b
        entries.append((wire, s.copy()))
        self.avail[self.value] = entries

    def connect(self, lanes: int, stage: Any) -> None:
        s = self.stream
        assert s is not None
        if s.lanes == lanes:
            return
        total = len(s.perm)
        if total % lanes:
            raise self.fail(stage, f"{total} elements cannot be cut into beats of {lanes}")
        dwc = self.glue("dwc", stage)
        if dwc is None or (int(dwc.glue["in_lanes"]), int(dwc.glue["out_lanes"])) != (
            s.lanes,
            lanes,
        ):
            raise self.fail(
                stage,
                f"its input {self.value!r} arrives in {s.lanes} lanes and is read in {lanes}, "
                "but the schedule has no such width converter; reschedule the model",
            )
        inst = self.names.claim(f"dwc_{stage.name}", prefix="u")
        params = {"EW": s.width, "IN_N": s.lanes, "OUT_N": lanes}
        if s.lanes > lanes:
            # a downsizer buffers the producer's longest back-to-back burst, so it never
            # stalls it (the schedule's glue stage sized it)
            params["SPARE"] = int(dwc.glue["spare"])
        self.add(
            Instance(
                "ff_dwc",
                inst,
                params,
                s.lanes,
                s.width,
                lanes,
                s.width,
                dwc.name,
                f"width converter {s.lanes} -> {lanes} lanes",
            )
        )
        s.lanes = lanes

    def check_input(self, node: Node, stage: Any) -> None:
        x = node.inputs[0]
        if x is None or x.name != self.value:
            raise self.fail(stage, f"node {node.name!r} does not read the stage's stream")

    def open_input(self, stream: Stream, value: str) -> None:
        self.stream = stream
        self.value = value
        self.wire = "w0"
        self.wires["w0"] = stream.lanes * stream.width
        self.input = stream.copy()

    def at_end(self, finish: Callable[[], None]) -> None:
        self.finishers.append(finish)

    # -- the driver -----------------------------------------------------------------------------
    def _build(self, stage: Any, nodes: list[Node]) -> None:
        """Hand `stage` to its kit's RTL builder; one sentence naming it when there is none."""
        try:
            rtl = kit_of(stage.kind).part("rtl")
        except KeyError:
            rtl = None
        build = getattr(rtl, "build", None)
        if build is None:
            raise no_unit(self, stage, nodes)
        build(self, stage, nodes)

    def plan(self) -> Plan:
        sched = self.schedule
        if sched.mode not in ("streaming", "tiled"):
            raise RtlUnsupportedError(
                f"Schedule mode {sched.mode!r} has no generated RTL top yet; build with --mode streaming."
            )
        if len(self.graph.inputs) != 1 or len(self.graph.outputs) != 1:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r} has {len(self.graph.inputs)} inputs and {len(self.graph.outputs)} outputs;"
                " the RTL top supports exactly one of each."
            )
        check_batch(self.graph)
        top = self.names.claim(f"{self.graph.name}_top", prefix="m")
        self.wires["w0"] = 0
        for stage in sched.stages:
            self._build(stage, [self.node(n) for n in stage.nodes])
        for finish in self.finishers:
            finish()
        out_value = self.graph.outputs[0].name
        entries = self.avail.get(out_value) or []
        if len(entries) != 1 or self.input is None:
            raise RtlUnsupportedError(
                f"Graph {self.graph.name!r}: the stages do not form a graph from the input to output {out_value!r}."
            )
        self.wire, self.stream = entries[0]
        return Plan(
            top=top,
            units=self.units,
            input=self.input,
            output=self.stream,
            input_name=self.graph.inputs[0].name,
            output_name=out_value,
            in_elements=len(self.input.perm),
            out_elements=len(self.stream.perm),
            stage_estimates=_stage_estimates(sched),
            wires=dict(self.wires),
            in_wire="w0",
            out_wire=self.wire,
        )
