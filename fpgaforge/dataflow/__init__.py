"""Dataflow scheduling: templates' cost models, tiling, DSE and estimates.

from fpgaforge.dataflow import replay, schedule
sched = schedule(qgraph, "ultra96v2", mode="auto", target_fps=None)
print(sched.report.throughput, sched.report.latency_s, sched.report.resources)
again = replay(qgraph, sched)          # re-derives identical estimates
"""

from fpgaforge.dataflow.errors import DoesNotFitError, ScheduleError
from fpgaforge.dataflow.schedule import LayerReport, Report, Schedule, StageRecord
from fpgaforge.dataflow.scheduler import replay, schedule
from fpgaforge.units.cost.estimates import Estimates, parallel, pipelined, sequential, shared
from fpgaforge.units.cost.precision import NodePrecision, node_precision

__all__ = [
    "DoesNotFitError",
    "Estimates",
    "LayerReport",
    "NodePrecision",
    "Report",
    "Schedule",
    "ScheduleError",
    "StageRecord",
    "node_precision",
    "parallel",
    "pipelined",
    "replay",
    "schedule",
    "sequential",
    "shared",
]
