"""The bundled character-level Mamba-2: import matches torch's step, and the
LightMamba integer decode follows the float one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import fpgaforge
from fpgaforge.quant.lightmamba.report import decode_errors

MODELS = Path(__file__).resolve().parents[2] / "examples" / "models"


def _decode(graph, tokens):
    feeds = {v.name: np.zeros(v.shape, np.float32) for v in graph.inputs if v.name != "token"}
    logits = []
    for token in tokens:
        out = fpgaforge.execute(graph, {"token": np.array([token]), **feeds})
        logits.append(out["logits"][0])
        feeds = {k: out[k + "_out"] for k in feeds}
    return np.stack(logits)


def test_imported_model_follows_the_stored_torch_logits() -> None:
    graph = fpgaforge.load(MODELS / "mamba2_chars.onnx")
    assert graph.op_counts()["SSMStep"] == 2
    data = np.load(MODELS / "mamba2_chars_test.npz")
    np.testing.assert_allclose(_decode(graph, data["tokens"]), data["logits"], rtol=1e-4, atol=1e-4)


def test_lightmamba_decode_agrees_with_float() -> None:
    graph = fpgaforge.load(MODELS / "mamba2_chars.onnx")
    tokens = np.load(MODELS / "mamba2_chars_test.npz")["tokens"]
    qgraph = fpgaforge.quantize(graph, "lightmamba", {"tokens": tokens[:32]})
    rows = {r.output: r for r in decode_errors(graph, qgraph, tokens[32:])}
    assert rows["logits"].top1_agreement >= 0.75
    assert rows["logits"].sqnr_db > 10
