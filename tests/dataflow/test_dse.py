"""DSE: the --quant list parser, Pareto fronts, and local vs Ray executors giving identical JSON."""

from __future__ import annotations

import pytest

from fpgaforge.dataflow.dse import explore, to_json
from fpgaforge.dataflow.pareto import pareto_front
from fpgaforge.dataflow.quantspec import split_specs
from fpgaforge.errors import QuantizationError
from fpgaforge.quant.spec import parse_spec
from tests.dataflow.conftest import MODELS

MODEL = str(MODELS / "digits_cnn.onnx")


def test_quant_list_splits_only_before_a_new_spec_name() -> None:
    assert split_specs("fixed:8,3,int8") == ["fixed:8,3", "int8"]
    assert split_specs("fixed:8,int8,int4") == ["fixed:8", "int8", "int4"]
    assert split_specs("fixed:16,6, w4a8,fixed:8") == ["fixed:16,6", "w4a8", "fixed:8"]
    rule = parse_spec("w4a8").default
    assert rule.weight.width == 4 and rule.result.width == 8
    with pytest.raises(QuantizationError, match="Cannot understand the quantization spec"):
        split_specs("int8,float7")


def test_pareto_front() -> None:
    points = [{"t": 10, "e": 5}, {"t": 20, "e": 5}, {"t": 5, "e": 1}, {"t": 5, "e": 2}]
    front = pareto_front(points, [(lambda p: p["t"], "max"), (lambda p: p["e"], "min")])
    assert front == [1, 2]


def test_local_explore_sorts_points_and_marks_the_front() -> None:
    result = explore(MODEL, ["zcu104", "ultra96v2"], ["int8", "int4"], ["auto"], workers=2)
    keys = [(p["board"], p["quant"], p["mode"]) for p in result["points"]]
    assert keys == sorted(keys) and len(keys) == 4
    assert result["pareto"] and all(p["pareto"] in (True, False) for p in result["points"])
    assert "timestamp" not in to_json(result)


@pytest.mark.slow
def test_ray_gives_byte_identical_json() -> None:
    pytest.importorskip("ray", reason="ray is not installed (pip install fpgaforge[ray])")
    args = (MODEL, ["ultra96v2", "pynq-z2"], ["int8", "int4"], ["auto", "tiled"])
    local = to_json(explore(*args, executor="local", workers=2))
    remote = to_json(explore(*args, executor="ray", workers=2))
    assert local == remote
