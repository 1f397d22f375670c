"""Shared fixtures of the dataflow tests: the digits CNN (float and quantized) and ResNet-50."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dataflow.graphs import resnet50, set_bits

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


@pytest.fixture(scope="session")
def digits_cnn():
    from fpgaforge import load

    return load(str(MODELS / "digits_cnn.onnx"))


@pytest.fixture(scope="session")
def digits_cnn_int8(digits_cnn):
    fpgaforge = pytest.importorskip("fpgaforge")
    if not hasattr(fpgaforge, "quantize"):
        pytest.skip("fpgaforge.quantize is not available yet (the quantizer is being written)")
    from fpgaforge.dataflow.quantspec import quantize_for_estimate

    graph, _ = quantize_for_estimate(digits_cnn, "int8")
    return graph


@pytest.fixture(scope="session")
def resnet50_int8():
    return set_bits(resnet50(), 8, 8)
