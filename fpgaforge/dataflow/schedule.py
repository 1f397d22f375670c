"""The `Schedule`: decisions (template and folding per stage, style, clock) plus the
estimates they give, JSON round-trippable and replayable on the same graph.

`Schedule.to_json()` writes decisions and estimates; `Schedule.from_json(text)`
reads them back; `fpgaforge.dataflow.replay(graph, schedule_or_text)` re-derives
the estimates from the decisions alone, which must equal the stored ones.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from fpgaforge.dataflow.errors import ScheduleError
from fpgaforge.units.cost.estimates import Estimates

SCHEMA = "fpgaforge.schedule/1"


@dataclass(frozen=True)
class StageRecord:
    """One stage's decisions: its template kind, the nodes it fuses and its folding.

    glue: for a stage of stream glue (no nodes), where it sits (`source`, `target`, `value`,
    `port`) and its geometry (lanes, depth, ...), as `fpgaforge.dataflow.glue` placed it;
    None for a stage of the graph.
    """

    name: str
    kind: str
    nodes: tuple[str, ...]
    folding: dict[str, Any]
    glue: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "kind": self.kind,
            "nodes": list(self.nodes),
            "folding": dict(self.folding),
        }
        if self.glue is not None:
            out["glue"] = dict(self.glue)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageRecord:
        glue = data.get("glue")
        return cls(
            data["name"],
            data["kind"],
            tuple(data["nodes"]),
            dict(data["folding"]),
            None if glue is None else dict(glue),
        )


@dataclass(frozen=True)
class LayerReport:
    """Estimates of one stage: cycles, interval, resources, bound (compute or memory)."""

    name: str
    kind: str
    ops: tuple[str, ...]
    nodes: tuple[str, ...]
    folding: dict[str, Any]
    estimates: Estimates
    bound: str
    compute_cycles: float
    memory_cycles: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "ops": list(self.ops),
            "nodes": list(self.nodes),
            "folding": dict(self.folding),
            "cycles": self.estimates.cycles,
            "ii": self.estimates.ii,
            "fill": self.estimates.fill,
            "drain": self.estimates.drain,
            "need": self.estimates.need,
            "need_at": self.estimates.need_at,
            "bound": self.bound,
            "compute_cycles": self.compute_cycles,
            "memory_cycles": self.memory_cycles,
            "macs": self.estimates.macs,
            "resources": {
                k: self.estimates.resources[k]
                for k in ("dsp", "lut", "ff", "bram", "uram", "lutram_bits")
            },
            "onchip_bytes": self.estimates.onchip_bytes,
            "offchip_bytes": self.estimates.offchip_bytes,
            "energy_j": self.estimates.energy_j,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerReport:
        est = Estimates.from_dict(
            {
                **data["resources"],
                "cycles": data["cycles"],
                "ii": data["ii"],
                "fill": data.get("fill", 0),
                "drain": data.get("drain", 0),
                "need": data.get("need", 0),
                "need_at": data.get("need_at", 0),
                "macs": data["macs"],
                "onchip_bytes": data["onchip_bytes"],
                "offchip_bytes": data["offchip_bytes"],
                "energy_j": data["energy_j"],
            }
        )
        return cls(
            data["name"],
            data["kind"],
            tuple(data["ops"]),
            tuple(data["nodes"]),
            dict(data["folding"]),
            est,
            data["bound"],
            data["compute_cycles"],
            data["memory_cycles"],
        )


@dataclass(frozen=True)
class Report:
    """Whole-schedule estimates.

    throughput: inferences/s; latency_s: one inference, first input to last output;
    resources: used, available (device) and usable (planning budget) per kind;
    power_w: static + dynamic at full throughput; energy_per_inference_j: (static +
    dynamic power) / throughput; bound: 'compute' or 'memory' overall.
    """

    total: Estimates
    layers: tuple[LayerReport, ...]
    throughput: float
    latency_s: float
    interval_cycles: float
    latency_cycles: float
    resources: dict[str, dict[str, float]]
    static_w: float
    dynamic_w: float
    power_w: float
    energy_per_inference_j: float
    bound: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "throughput": self.throughput,
            "latency_s": self.latency_s,
            "interval_cycles": self.interval_cycles,
            "latency_cycles": self.latency_cycles,
            "bound": self.bound,
            "resources": {k: dict(v) for k, v in self.resources.items()},
            "static_w": self.static_w,
            "dynamic_w": self.dynamic_w,
            "power_w": self.power_w,
            "energy_per_inference_j": self.energy_per_inference_j,
            "total": self.total.to_dict(),
            "layers": [layer.to_dict() for layer in self.layers],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(
            total=Estimates.from_dict(data["total"]),
            layers=tuple(LayerReport.from_dict(layer) for layer in data["layers"]),
            throughput=data["throughput"],
            latency_s=data["latency_s"],
            interval_cycles=data["interval_cycles"],
            latency_cycles=data["latency_cycles"],
            resources={k: dict(v) for k, v in data["resources"].items()},
            static_w=data["static_w"],
            dynamic_w=data["dynamic_w"],
            power_w=data["power_w"],
            energy_per_inference_j=data["energy_per_inference_j"],
            bound=data["bound"],
            notes=tuple(data.get("notes", ())),
        )


@dataclass(frozen=True)
class Schedule:
    """A schedule of one graph on one board: the decisions and their estimates.

    mode: 'streaming' or 'tiled'; stages: per-stage decisions; engine: the tiled engine's
    configuration (tiled mode); report: the estimates (see `Report`).
    """

    graph: str
    board: str
    mode: str
    clock_mhz: float
    batch: int
    stages: tuple[StageRecord, ...]
    engine: dict[str, Any] | None
    report: Report
    target_fps: float | None = None
    precision_assumed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    # convenience ----------------------------------------------------------
    @property
    def throughput(self) -> float:
        return self.report.throughput

    @property
    def latency_s(self) -> float:
        return self.report.latency_s

    @property
    def total(self) -> Estimates:
        return self.report.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "graph": self.graph,
            "board": self.board,
            "mode": self.mode,
            "clock_mhz": self.clock_mhz,
            "batch": self.batch,
            "target_fps": self.target_fps,
            "precision_assumed": self.precision_assumed,
            "engine": self.engine,
            "stages": [s.to_dict() for s in self.stages],
            "estimates": self.report.to_dict(),
            "extra": dict(self.extra),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schedule:
        if data.get("schema") != SCHEMA:
            raise ScheduleError(
                f"This is not an fpgaforge schedule (schema {data.get('schema')!r}, expected {SCHEMA!r})."
            )
        return cls(
            graph=data["graph"],
            board=data["board"],
            mode=data["mode"],
            clock_mhz=data["clock_mhz"],
            batch=data["batch"],
            stages=tuple(StageRecord.from_dict(s) for s in data["stages"]),
            engine=data.get("engine"),
            report=Report.from_dict(data["estimates"]),
            target_fps=data.get("target_fps"),
            precision_assumed=bool(data.get("precision_assumed", False)),
            extra=dict(data.get("extra") or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> Schedule:
        return cls.from_dict(json.loads(text))


def as_plain(obj: Any) -> Any:
    """Dataclasses and tuples as plain JSON-ready structures."""
    if hasattr(obj, "__dataclass_fields__"):
        return {k: as_plain(v) for k, v in asdict(obj).items()}
    if isinstance(obj, (list, tuple)):
        return [as_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: as_plain(v) for k, v in obj.items()}
    return obj
