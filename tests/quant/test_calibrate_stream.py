"""Calibration streams the data in chunks with running per-tensor ranges: the ranges are
those of the whole set at once, and intermediates are not kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import fpgaforge
from fpgaforge.quant import calibrate
from tests.quant.test_table_ops import _model


def test_chunked_ranges_equal_whole_set_ranges(tmp_path: Path, monkeypatch) -> None:
    graph = fpgaforge.load(_model(tmp_path / "m.onnx"))
    data = {"x": np.random.default_rng(0).uniform(-1, 1, (20, 3, 9, 9)).astype(np.float32)}
    chunked = calibrate.observe_ranges(graph, data)
    monkeypatch.setattr(calibrate, "CHUNK_SAMPLES", 1000)
    whole = calibrate.observe_ranges(graph, data)
    assert chunked == whole
    assert set(chunked) == {"x", *(v.name for n in graph.nodes for v in n.outputs)}


def test_execute_observes_every_output_and_keeps_only_the_wanted(tmp_path: Path) -> None:
    graph = fpgaforge.load(_model(tmp_path / "m.onnx"))
    seen: list[str] = []
    out = fpgaforge.execute(
        graph,
        {"x": np.zeros((2, 3, 9, 9), np.float32)},
        observe=lambda value, array: seen.append(value.name),
    )
    assert seen == [v.name for n in graph.nodes for v in n.outputs]
    assert list(out) == [v.name for v in graph.outputs]
