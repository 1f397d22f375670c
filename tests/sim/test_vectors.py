"""Test vectors: inputs, input codes and expected output codes, saved byte-reproducibly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.errors import FeedError
from fpgaforge.sim.vectors import TestVectors, make_vectors

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"


def test_vectors_match_the_emulation_and_round_trip(tmp_path: Path) -> None:
    graph = fpgaforge.load(EXAMPLES / "digits_cnn.onnx")
    data = np.load(EXAMPLES / "digits_cnn_test.npz")
    qgraph = fpgaforge.quantize(graph, "int8", {"x": data["x"]})
    vectors = make_vectors(qgraph, {"x": data["x"]}, count=50)
    assert vectors.count == 50
    codes = fpgaforge.execute(qgraph, {"x": data["x"][:50]}, as_codes=True)["logits"]
    np.testing.assert_array_equal(vectors.output_codes["logits"], codes)
    assert vectors.input_codes["x"].dtype == np.int64 and vectors.input_codes["x"].max() <= 255
    first, second = vectors.save(tmp_path / "a.npz"), vectors.save(tmp_path / "b.npz")
    assert first.read_bytes() == second.read_bytes()
    again = TestVectors.load(first)
    np.testing.assert_array_equal(again.output_codes["logits"], codes)
    assert again.head(10).count == 10


def test_vectors_without_data_stay_in_range() -> None:
    qgraph = fpgaforge.quantize(fpgaforge.load(EXAMPLES / "digits_mlp.onnx"), "fixed:8,3")
    vectors = make_vectors(qgraph, None, count=20)
    assert vectors.count == 20
    assert np.abs(vectors.inputs["x"]).max() <= 4.0


def test_vectors_need_a_quantized_graph() -> None:
    with pytest.raises(FeedError, match="is not quantized"):
        make_vectors(fpgaforge.load(EXAMPLES / "digits_mlp.onnx"))
