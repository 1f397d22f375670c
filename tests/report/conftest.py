"""Shared fixtures of the report tests: the bundled MLP scheduled on ultra96v2, and a text console."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"
MLP = MODELS / "digits_mlp.onnx"
MLP_CALIB = MODELS / "digits_mlp_test.npz"


@pytest.fixture(scope="session")
def mlp_graph():
    from fpgaforge.frontend import load

    return load(str(MLP))


@pytest.fixture(scope="session")
def mlp_calibration(mlp_graph):
    from fpgaforge.quant.calibrate import load_calibration

    return load_calibration(str(MLP_CALIB), mlp_graph)


@pytest.fixture(scope="session")
def mlp_schedule(mlp_graph, mlp_calibration):
    """The bundled MLP, int8 with its test images as calibration, scheduled on ultra96v2."""
    from fpgaforge.dataflow import schedule
    from fpgaforge.dataflow.quantspec import quantize_for_estimate

    qgraph, how = quantize_for_estimate(mlp_graph, "int8", mlp_calibration)
    assert how == "calibrated"
    return schedule(qgraph, "ultra96v2")


@pytest.fixture
def text_console() -> Console:
    """A console that records plain text, 160 columns wide like the CLI's when not on a terminal."""
    return Console(file=io.StringIO(), width=160, color_system=None, record=True)


def render(console: Console, renderable) -> str:
    """What `console.print(renderable)` writes, as plain text."""
    console.print(renderable)
    return console.export_text()


@pytest.fixture(scope="session")
def tiny_compare(tmp_path_factory):
    """`compare` of a tiny MLP on two boards and two precisions with CPU and GPU rows (see
    html_fixtures.compare_result), shared by the HTML and browser tests."""
    from tests.report.html_fixtures import compare_result

    return compare_result(tmp_path_factory.mktemp("tiny_compare"))
