"""`estimate --train`: one training step, N:M and dense, on the board's tiled array."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpgaforge.cli import main

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def _train(capsys, *extra: str) -> tuple[int, str]:
    code = main(
        ["estimate", str(MODELS / "digits_mlp.onnx"), "--board", "vcu1525", "--train", *extra]
    )
    return code, capsys.readouterr()


@pytest.mark.parametrize("pattern", ["2:4", "2:8"])
def test_step_sparse_against_dense(capsys, pattern):
    code, out = _train(capsys, "--batch", "16", "--sparsity", pattern, "--json")
    assert code == 0
    r = json.loads(out.out)
    n, m = map(int, pattern.split(":"))
    assert r["pattern"] == pattern and r["batch"] == 16
    # the speedup bound when the weight gradient stays dense: dense work / (2N/M + 1)/3
    assert r["bound"] == pytest.approx(3 / (2 * n / m + 1))
    sparse, dense = r["sparse"], r["dense"]
    assert r["speedup"] == pytest.approx(dense["cycles"] / sparse["cycles"])
    assert sparse["macs"] < dense["macs"]
    assert "mask generation" in sparse["phases"] and "mask generation" not in dense["phases"]
    # the weight gradient stays dense: the same cycles in both
    assert sparse["phases"]["weight gradient"] == dense["phases"]["weight gradient"]
    assert sparse["phases"]["forward"] < dense["phases"]["forward"]
    for s in (sparse, dense):
        assert s["samples_per_s"] == pytest.approx(16 / s["step_s"])


def test_work_bound_counts_the_model_own_gemms(capsys):
    """The MLP 64-64-32-10 at 2:8, per sample: forward 4096 + 2048 + 320 MACs, all N:M (K 64,
    64, 32); backward data of the second layer N:M (N 32), of the classifier dense (N 10),
    none for the first; weight gradients dense."""
    code, out = _train(capsys, "--batch", "16", "--sparsity", "2:8", "--json")
    assert code == 0
    r = json.loads(out.out)
    dense = 6464 + (2048 + 320) + 6464
    sparse = 6464 / 4 + (2048 / 4 + 320) + 6464
    assert r["work_bound"] == pytest.approx(dense / sparse)
    assert r["speedup"] <= r["work_bound"] < r["bound"]
    assert r["speedup"] <= r["array_bound"]


def test_array_bound_takes_n_over_m_of_each_dense_gemm():
    """The ideal N:M step: each N:M GEMM at N/M of its dense cycles or its own off-chip
    cycles, whichever is more (never above its own), the dense parts and the vector unit as
    they are."""
    from dataclasses import replace

    from fpgaforge.dataflow.training import StepPart, ideal_parts, step_cycles
    from fpgaforge.numerics.nm import NMPattern

    def part(phase, cycles, sparse=False, unit="array"):
        return StepPart(phase, "a", cycles, 0.0, 0, sparse, unit)

    dense = [part("forward", 800), part("backward data", 100), part("weight gradient", 900)]
    sparse = [
        part("forward", 300, True),
        part("backward data", 20, True),  # already below N/M of dense: kept
        part("weight gradient", 900),
        part("mask generation", 50, unit="vector"),
    ]
    ideal = ideal_parts(sparse, dense, NMPattern.parse("2:8"))
    assert [p.cycles for p in ideal] == [200, 20, 900, 50]
    assert step_cycles(ideal) == 200 + 20 + 900 + 50
    # a GEMM bound by its off-chip transfers gets no faster than them
    bound = [replace(sparse[0], floor_cycles=250), *sparse[1:]]
    assert ideal_parts(bound, dense, NMPattern.parse("2:8"))[0].cycles == 250


def test_bad_pattern_is_one_sentence(capsys):
    code, out = _train(capsys, "--sparsity", "9:8")
    assert code == 2
    assert "Traceback" not in out.err and len(out.err.strip().splitlines()) <= 3


def test_vector_unit_overlaps_the_array():
    """A layer's update starts when the vector unit is free and its weight gradient is done;
    the step takes at least every transfer of both units."""
    from fpgaforge.dataflow.training import StepPart, step_cycles

    def part(phase, layer, cycles, unit="array", memory=0.0):
        return StepPart(phase, layer, cycles, 0.0, 0, False, unit, memory)

    parts = [
        part("forward", "a", 100),
        part("forward", "b", 60),
        part("weight gradient", "b", 50),  # array busy until 210
        part("weight update", "b", 30, "vector"),  # 210 -> 240
        part("weight gradient", "a", 40),  # array busy until 250
        part("weight update", "a", 20, "vector"),  # 250 -> 270
    ]
    assert step_cycles(parts) == 270
    assert step_cycles([*parts[:-1], part("weight update", "a", 20, "vector", 400)]) == 400


@pytest.mark.parametrize("pattern", ["2:4", "2:8", "1:8"])
def test_transformer_layer_step(pattern):
    """A BERT-base layer's GEMMs: N:M speedup above 1 and within the dense-gradient bound;
    the overlapped step is shorter than its parts run one after another."""
    from fpgaforge.dataflow.training import training_estimate
    from tests.dataflow.graphs import bert_layer, set_bits

    r = training_estimate(set_bits(bert_layer(), 8, 8), "vcu1525", 32, pattern)
    assert 1.0 < r["speedup"] <= r["bound"]
    for s in (r["sparse"], r["dense"]):
        busy = sum(
            v for k, v in s["phases"].items() if k not in ("weight update", "mask generation")
        )
        assert busy <= s["cycles"] < s["serial_cycles"]


def test_step_reports_array_resources():
    """The training-step estimate reports the SAT array's DSP / LUT / FF (one DSP per PE and
    per requant column) and the cost of its N:M selects and split over the plain array."""
    from fpgaforge.dataflow.training import training_estimate
    from tests.dataflow.graphs import bert_layer, set_bits

    r = training_estimate(set_bits(bert_layer(), 8, 8), "vcu1525", 32, "2:8")
    res, e = r["resources"], r["engine"]
    sat, plain = res["sat_array"], res["dense_array"]
    assert e["splits_max"] == 8
    assert sat["dsp"] == e["rows"] * e["cols"] + e["splits_max"] * e["cols"] + 3
    assert plain["dsp"] == e["rows"] * e["cols"] + e["cols"] + 3
    assert sat["lut"] > plain["lut"] > 0 and sat["ff"] > plain["ff"] > 0


def test_conv_backward_data_is_a_transposed_convolution():
    """A 3×3 stride-1 convolution C → C behind another layer: its backward data is the
    transposed convolution, a reduction of 9·C output-channel taps stored N:M (9·C·N/M rows,
    as long as the forward's) and C columns, so N:M and dense it takes the forward's cycles;
    its MACs are the forward's. A stride-2 convolution's backward data has the forward's
    MACs too, in four phase GEMMs."""
    from fpgaforge.dataflow.scheduler import schedule
    from fpgaforge.dataflow.training import step_parts, training_engine, training_estimate
    from fpgaforge.ir.graph import Graph
    from fpgaforge.numerics.nm import NMPattern
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from tests.dataflow.graphs import _conv, _relu, set_bits

    g = Graph("convs")
    x = g.add_input("x", (1, 16, 16, 16))
    y = _relu(g, _conv(g, x, 32, 3, 1, "a"), "a_relu")
    y = _relu(g, _conv(g, y, 32, 3, 1, "b"), "b_relu")
    g.outputs.append(_conv(g, y, 32, 3, 2, "c"))
    graph = set_bits(g, 8, 8)
    sched = schedule(graph, "vcu1525", mode="tiled")
    ctx = CostContext.of(view("vcu1525"), sched.clock_mhz)
    engine = training_engine(graph, ctx, dict(sched.engine or {}), 8)
    for pattern in (NMPattern.parse("2:8"), None):
        parts = {(p.phase, p.layer): p for p in step_parts(graph, ctx, engine, 8, pattern)}
        assert ("backward data", "a") not in parts  # reads the model's input
        fwd, bwd = parts[("forward", "b")], parts[("backward data", "b")]
        assert bwd.cycles == fwd.cycles and bwd.macs == fwd.macs
        assert bwd.sparse == fwd.sparse == (pattern is not None)
        assert parts[("backward data", "c")].macs == parts[("forward", "c")].macs
    r = training_estimate(graph, "vcu1525", 8, "2:8")
    assert 1.0 < r["speedup"] <= r["array_bound"] <= r["work_bound"]


def test_split_limit():
    """`splits` bounds the segments every GEMM may use: on ResNet-18's N:M GEMMs more
    segments take fewer cycles, and the array's resources follow the limit (one requant
    lane and DSP per accumulator column, splits·cols of them)."""
    from fpgaforge.dataflow.training import training_estimate
    from tests.dataflow.graphs import resnet18, set_bits

    graph = set_bits(resnet18(size=64), 8, 8)
    busy = []
    for splits in (1, 2, 4, 8):
        r = training_estimate(graph, "vcu1525", 8, "2:8", splits=splits)
        e = r["engine"]
        assert e["splits_max"] == splits
        sat = r["resources"]["sat_array"]
        assert sat["dsp"] == e["rows"] * e["cols"] + splits * e["cols"] + 3
        assert r["speedup"] <= r["array_bound"]
        busy.append(sum(r["sparse"]["phases"][p] for p in ("forward", "backward data")))
    assert busy == sorted(busy, reverse=True) and busy[-1] < busy[0]


def test_split_limit_refused(capsys):
    code, out = _train(capsys, "--splits", "3")
    assert code == 2
    assert "1, 2, 4 or 8 segments, not 3" in out.err and "Traceback" not in out.err


def test_backward_runs_weight_gradient_first():
    """Per layer from the last: weight gradient, its update and mask generation (vector
    unit), then backward data, so the vector work overlaps the layer's backward data; the
    first layer (reads the model's input) has none."""
    from fpgaforge.dataflow.scheduler import schedule
    from fpgaforge.dataflow.training import step_parts, training_engine
    from fpgaforge.frontend import load
    from fpgaforge.numerics.nm import NMPattern
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from tests.dataflow.graphs import set_bits

    graph = set_bits(load(MODELS / "digits_mlp.onnx"), 8, 8)
    sched = schedule(graph, "vcu1525", mode="tiled")
    ctx = CostContext.of(view("vcu1525"), sched.clock_mhz)
    engine = training_engine(graph, ctx, dict(sched.engine or {}), 16)
    parts = step_parts(graph, ctx, engine, 16, NMPattern.parse("2:8"))
    layers = list(dict.fromkeys(p.layer for p in parts))
    backward = [p for p in parts if p.phase != "forward"]
    last, first = layers[-1], layers[0]
    assert [p.phase for p in backward if p.layer == last] == [
        "weight gradient", "weight update", "mask generation", "backward data",
    ]  # fmt: skip
    assert [p.phase for p in backward if p.layer == first] == [
        "weight gradient", "weight update", "mask generation",
    ]  # fmt: skip
    assert [p.layer for p in backward] == sorted(
        (p.layer for p in backward), key=layers[::-1].index
    )


def test_attention_products_have_no_weights():
    """Q·K^T and P·V multiply two activations: their forward and both operands' gradients
    run dense in the N:M step as in the dense one, with no weight gradient, update or masks;
    the projections around them are N:M as usual."""
    import numpy as np

    from fpgaforge.dataflow.scheduler import schedule
    from fpgaforge.dataflow.training import step_parts, training_engine
    from fpgaforge.ir.graph import Graph
    from fpgaforge.numerics.nm import NMPattern
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from tests.dataflow.graphs import _dense, set_bits

    g = Graph("attention")
    x = g.add_input("x", (16, 32))
    shift = g.add_constant("shift", np.zeros((16, 32), np.float32))
    x = g.add_node("Add", [x, shift], name="ln").outputs[0]
    q, k, v = _dense(g, x, 32, "q"), _dense(g, x, 32, "k"), _dense(g, x, 32, "v")
    kt = g.add_node("Transpose", [k], name="kt", attrs={"perm": (1, 0)}).outputs[0]
    scores = g.add_node("MatMul", [q, kt], name="qk").outputs[0]
    p = g.add_node("Softmax", [scores], name="softmax", attrs={"axis": -1}).outputs[0]
    context = g.add_node("MatMul", [p, v], name="pv").outputs[0]
    g.outputs.append(_dense(g, context, 32, "out"))
    graph = set_bits(g, 8, 8)
    sched = schedule(graph, "vcu1525", mode="tiled")
    ctx = CostContext.of(view("vcu1525"), sched.clock_mhz)
    engine = training_engine(graph, ctx, dict(sched.engine or {}), 4)
    sparse = step_parts(graph, ctx, engine, 4, NMPattern.parse("2:8"))
    dense = {(p.phase, p.layer): p for p in step_parts(graph, ctx, engine, 4, None)}
    for name in ("qk", "pv"):
        mine = [p for p in sparse if p.layer == name]
        assert [p.phase for p in mine] == ["forward", "backward data"]
        assert not any(p.sparse for p in mine)
        assert [p.macs for p in mine] == [dense[(p.phase, name)].macs for p in mine]
        # one matrix per sample: 16 x 32 by 32 x 16, then both operands' gradients
        assert mine[0].macs == 4 * 16 * 32 * 16 and mine[1].macs == 2 * mine[0].macs
    assert [p.phase for p in sparse if p.layer == "q"][1:] == [
        "weight gradient", "weight update", "mask generation", "backward data",
    ]  # fmt: skip
    assert next(p for p in sparse if p.layer == "q").sparse


def test_nm_direction_takes_the_faster_mapping():
    """ResNet-50 at batch 32: stage 0's 256-channel tensors do not fit on chip, so some N:M
    GEMMs are bound by their streamed activations (`floor_cycles` above N/M of dense); an N:M
    direction then runs its masked weights on the dense mapping when that is faster. Every
    N:M part is at most its dense part's cycles and keeps N/M of its MACs (this model's
    work), and the array's bound, which counts those transfers, stays above the speedup."""
    from fpgaforge.dataflow.scheduler import schedule
    from fpgaforge.dataflow.training import step_parts, training_engine, training_estimate
    from fpgaforge.numerics.nm import NMPattern
    from fpgaforge.units.cost.hardware import view
    from fpgaforge.units.cost.template import CostContext
    from tests.dataflow.graphs import resnet50, set_bits

    graph = set_bits(resnet50(), 8, 8)
    sched = schedule(graph, "vcu1525", mode="tiled")
    ctx = CostContext.of(view("vcu1525"), sched.clock_mhz)
    engine = training_engine(graph, ctx, dict(sched.engine or {}), 32)
    dense = {(p.phase, p.layer): p for p in step_parts(graph, ctx, engine, 32, None)}
    sparse = [p for p in step_parts(graph, ctx, engine, 32, NMPattern.parse("2:8")) if p.sparse]
    assert sparse
    for p in sparse:
        d = dense[(p.phase, p.layer)]
        assert p.cycles <= d.cycles and p.macs * 4 == d.macs
    assert any(p.floor_cycles > dense[(p.phase, p.layer)].cycles / 4 for p in sparse)
    r = training_estimate(graph, "vcu1525", 32, "2:8")
    assert r["speedup"] <= r["array_bound"] < r["work_bound"]


def test_layers_table_and_json(capsys):
    """`--layers` prints every GEMM of the N:M step against dense; the JSON has the same rows
    (one per array part, in the order the array runs them)."""
    code, out = _train(capsys, "--batch", "16", "--layers")
    assert code == 0
    assert "training step GEMMs, 2:8 against dense" in out.out
    code, out = _train(capsys, "--batch", "16", "--json")
    r = json.loads(out.out)
    rows = r["layers"]
    # the MLP's three layers: forward each, weight gradient each, backward data of two
    assert [row["phase"] for row in rows].count("forward") == 3
    assert [row["phase"] for row in rows].count("backward data") == 2
    assert len(rows) == 8
    assert all(row["bound"] in ("array", "transfers") for row in rows)
    assert sum(row["cycles"] for row in rows) == pytest.approx(
        sum(
            v
            for k, v in r["sparse"]["phases"].items()
            if k not in ("weight update", "mask generation")
        )
    )


def test_train_refuses_schedule_and_html_outputs(capsys, tmp_path):
    code, out = _train(capsys, "--html", str(tmp_path / "r.html"))
    assert code == 2
    assert "writes no schedule or HTML report (--html given)" in out.err
    assert "Traceback" not in out.err and not (tmp_path / "r.html").exists()
