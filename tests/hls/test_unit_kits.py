"""The HLS backend drives the unit kits: every kit with kernel headers lowers its stages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fpgaforge.dataflow import schedule as make_schedule
from fpgaforge.frontend import load
from fpgaforge.hls.errors import HlsError
from fpgaforge.hls.files import KERNELS
from fpgaforge.hls.lowering import Lowering
from fpgaforge.names import Namer
from fpgaforge.quant import quantize
from fpgaforge.units import kits

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.mark.parametrize("kit", [k for k in kits() if k.hls_headers], ids=lambda k: k.name)
def test_kit_with_headers_has_hls_lower(kit):
    part = kit.part("hls")
    assert part is not None, f"{kit!r} names HLS headers but has no hls.py"
    assert callable(getattr(part, "lower", None)), f"{kit!r}: hls.py has no lower()"
    for header in kit.hls_headers:
        assert (KERNELS / header).is_file(), f"{kit!r} names {header}, not in hls/kernels/"


def test_kits_that_emit_name_their_headers():
    owners: dict[str, str] = {}
    for kit in kits():
        part = kit.part("hls")
        ops = getattr(part, "OPS", {}) if part else {}
        if ops:
            assert kit.hls_headers, f"{kit!r} emits kernel calls but names no header"
        for op in ops:
            assert op not in owners, f"{op} is emitted by {owners[op]} and {kit.name}"
            owners[op] = kit.name


@pytest.fixture(scope="module")
def rescnn():
    data = np.load(MODELS / "digits_rescnn_test.npz")
    qgraph = quantize(load(str(MODELS / "digits_rescnn.onnx")), "int8", {"x": data["x"]})
    return qgraph, make_schedule(qgraph, "zcu104", mode="streaming")


def test_calls_follow_graph_order_when_stages_interleave(rescnn):
    qgraph, sched = rescnn
    order = {node.name: i for i, node in enumerate(qgraph.nodes)}
    in_stages = [order[name] for stage in sched.stages for name in stage.nodes]
    assert in_stages != sorted(in_stages)  # the residual blocks' fused requants interleave
    calls = Lowering(qgraph, sched, False, Namer()).run()
    in_calls = [order[call.node] for call in calls]
    assert in_calls == sorted(in_calls)
    lowered = {call.node for call in calls}
    assert lowered == {n.name for n in qgraph.nodes if n.op not in ("Quantize", "Reshape")}


def test_schedule_must_hold_every_node_once(rescnn):
    qgraph, sched = rescnn
    dropped = replace(sched, stages=sched.stages[:-1])
    with pytest.raises(HlsError, match=r"is in no stage of the schedule"):
        Lowering(qgraph, dropped, False, Namer()).run()
