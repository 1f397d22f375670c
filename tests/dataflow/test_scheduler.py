"""The scheduler: style choice, folding for a target, impossible constraints, JSON replay."""

from __future__ import annotations

import json
import time

import pytest

from fpgaforge.dataflow import DoesNotFitError, Schedule, ScheduleError, replay, schedule


def test_digits_cnn_streams_on_ultra96v2(digits_cnn_int8) -> None:
    s = schedule(digits_cnn_int8, "ultra96v2")
    r = s.report
    assert s.mode == "streaming"
    assert r.throughput > 1e5 and r.bound == "compute"
    assert all(
        r.resources[k]["used"] <= r.resources[k]["usable"]
        for k in ("dsp", "lut", "ff", "bram", "uram")
    )
    # conv + relu + requant + max pool fuse into one stage
    conv = r.layers[1]
    assert conv.kind == "conv" and any("MaxPool" in n for n in conv.nodes) and "Requant" in conv.ops
    assert r.power_w > r.static_w > 0 and r.energy_per_inference_j > 0


def test_float_graph_is_costed_as_16_bit_with_a_note(digits_cnn) -> None:
    s = schedule(digits_cnn, "ultra96v2")
    assert s.precision_assumed and any("16-bit" in n for n in s.report.notes)


def test_resnet50_goes_tiled_on_a_small_board(resnet50_int8) -> None:
    start = time.perf_counter()
    s = schedule(resnet50_int8, "zcu104")
    assert time.perf_counter() - start < 10
    assert s.mode == "tiled" and s.engine is not None
    r = s.report
    assert r.total.macs == pytest.approx(4.1e9, rel=0.05)  # ResNet-50: ~4.1 GMACs
    assert 1 < r.throughput < 400
    assert {layer.bound for layer in r.layers} <= {"compute", "memory"}
    with pytest.raises(
        DoesNotFitError, match=r"does not fit board 'zcu104' in streaming mode.*BRAM"
    ):
        schedule(resnet50_int8, "zcu104", mode="streaming")


def test_target_fps_finds_a_cheaper_folding(digits_cnn_int8) -> None:
    fastest = schedule(digits_cnn_int8, "ultra96v2")
    target = fastest.throughput / 20
    cheap = schedule(digits_cnn_int8, "ultra96v2", target_fps=target)
    assert cheap.throughput >= target
    assert cheap.report.total.dsp < fastest.report.total.dsp
    assert cheap.report.total.lut < fastest.report.total.lut


def test_impossible_target_names_the_best_figure(digits_cnn_int8) -> None:
    with pytest.raises(ScheduleError) as info:
        schedule(digits_cnn_int8, "ultra96v2", target_fps=1e12)
    message = str(info.value)
    assert message.startswith(
        "Target 1e+12 inferences/s is out of reach on ultra96v2: the fastest schedule"
    )
    assert "(streaming, 200 MHz)" in message and "lower --target-fps" in message


def test_clock_above_board_maximum_is_refused(digits_cnn_int8) -> None:
    with pytest.raises(ScheduleError, match="above the 645 MHz maximum"):
        schedule(digits_cnn_int8, "ultra96v2", clock_mhz=900)


@pytest.mark.parametrize("mode", ["streaming", "tiled"])
def test_json_round_trip_replays_identical_estimates(digits_cnn_int8, mode: str) -> None:
    s = schedule(digits_cnn_int8, "ultra96v2", mode=mode)
    text = s.to_json()
    back = Schedule.from_json(text)
    assert back.report == s.report and back.stages == s.stages
    again = replay(digits_cnn_int8, text)
    assert again.report == s.report
    assert again.to_json() == text
    assert replay(digits_cnn_int8, back).report == s.report
    json.loads(text)  # plain JSON


def test_replay_of_resnet50_tiled(resnet50_int8) -> None:
    s = schedule(resnet50_int8, "ultra96v2")
    assert replay(resnet50_int8, s.to_json()).report == s.report


def test_replay_on_another_graph_is_refused(digits_cnn_int8, resnet50_int8) -> None:
    s = schedule(digits_cnn_int8, "ultra96v2")
    with pytest.raises(ScheduleError, match="does not match graph 'resnet50'"):
        replay(resnet50_int8, s)


def test_tiled_weights_on_chip(digits_cnn_int8, resnet50_int8) -> None:
    """On-chip weights: no off-chip weight traffic and no per-layer DMA setup; the epilogue
    (2 drain cycles + output at vector_lanes a cycle) is in both variants; replay agrees."""
    dram = schedule(digits_cnn_int8, "zcu104", mode="tiled")
    onchip = schedule(digits_cnn_int8, "zcu104", mode="tiled", tiled_weights="onchip")
    assert dram.engine["weights"] == "dram" and onchip.engine["weights"] == "onchip"
    layers = [layer for layer in onchip.report.layers if layer.kind == "tiled_gemm"]
    assert layers and all(layer.estimates.cycles == layer.compute_cycles for layer in layers)
    assert onchip.report.total.offchip_bytes < dram.report.total.offchip_bytes
    assert onchip.report.latency_cycles < dram.report.latency_cycles
    lanes = onchip.engine["vector_lanes"]
    body = sum(layer.estimates.cycles for layer in onchip.report.layers)
    assert onchip.report.latency_cycles == body + 2 + -(-10 // lanes)
    assert replay(digits_cnn_int8, onchip.to_json()).report == onchip.report
    with pytest.raises(DoesNotFitError, match=r"weights on chip: [\d,.]+ KiB of weights"):
        schedule(resnet50_int8, "ultra96v2", mode="tiled", tiled_weights="onchip")
    with pytest.raises(ScheduleError, match="Tiled weights 'hbm'"):
        schedule(digits_cnn_int8, "zcu104", tiled_weights="hbm")


def test_replay_of_edited_foldings_rederives_the_glue(digits_cnn_int8) -> None:
    """A schedule whose foldings were edited by hand needs other stream glue: replay refuses
    it, replay with reglue derives the glue the new foldings need and keeps the foldings."""
    s = schedule(digits_cnn_int8, "ultra96v2")
    data = json.loads(s.to_json())
    for stage in data["stages"]:
        if not stage.get("glue"):
            stage["folding"].update({k: 1 for k in ("pe", "simd") if k in stage["folding"]})
    text = json.dumps(data)
    again = replay(digits_cnn_int8, text, reglue=True)
    assert [r.name for r in again.stages] != [st["name"] for st in data["stages"]]
    with pytest.raises(ScheduleError, match="stream glue does not match"):
        replay(digits_cnn_int8, text)
    graph = [r for r in again.stages if r.glue is None]
    assert all(r.folding.get("pe", 1) == 1 and r.folding.get("simd", 1) == 1 for r in graph)
    assert [r.name for r in graph] == [st["name"] for st in data["stages"] if not st.get("glue")]
