"""Post-training quantization of the bundled examples, QONNX round trips, integer semantics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fpgaforge
from fpgaforge.ir import Graph
from fpgaforge.numerics.requant import requantize
from fpgaforge.quant import Fixed, Int, load_qonnx, quantize, save_qonnx
from fpgaforge.quant.report import layer_errors

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "models"
MODELS = ("digits_mlp", "digits_cnn", "digits_rescnn")
SPECS = ("fixed:8,3", "fixed:6", "int8", "int4")


def _example(name: str):
    graph = fpgaforge.load(EXAMPLES / f"{name}.onnx")
    data = np.load(EXAMPLES / f"{name}_test.npz")
    return graph, {"x": data["x"]}, data["y"]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("spec", SPECS)
def test_quantize_execute_report_and_qonnx_round_trip(
    model: str, spec: str, tmp_path: Path
) -> None:
    graph, feeds, labels = _example(model)
    qgraph = quantize(graph, spec, feeds)
    codes = fpgaforge.execute(qgraph, feeds, as_codes=True)["logits"]
    assert codes.dtype == np.int64
    real = fpgaforge.execute(qgraph, feeds)["logits"]
    accuracy = float((real.argmax(1) == labels).mean())
    assert accuracy > 0.8, f"{model} {spec}: accuracy {accuracy:.3f}"
    rows = layer_errors(graph, qgraph, feeds)
    assert rows and rows[-1].tensor == "logits"
    assert all(np.isfinite(r.sqnr_db) or r.sqnr_db > 0 for r in rows)
    path = save_qonnx(qgraph, tmp_path / f"{model}.onnx")
    again = load_qonnx(path)
    np.testing.assert_array_equal(fpgaforge.execute(again, feeds, as_codes=True)["logits"], codes)


def test_every_tensor_is_quantized_and_weights_are_integers() -> None:
    graph, feeds, _ = _example("digits_rescnn")
    qgraph = quantize(graph, "int8", feeds)
    for node in qgraph.nodes:
        for value in node.outputs:
            assert isinstance(value.dtype, Fixed | Int), f"{value.name} is not quantized"
        for value in node.inputs:
            if value is not None and value.is_constant:
                assert value.const.dtype == np.int64, f"{value.name} holds {value.const.dtype}"
    ops = qgraph.op_counts()
    assert ops["Quantize"] == 1 and ops["Requant"] >= 5 and "Affine" not in ops


def test_dense_layer_matches_hand_written_integer_arithmetic() -> None:
    graph, feeds, _ = _example("digits_mlp")
    qgraph = quantize(graph, "fixed:8,3", feeds)
    first = next(n for n in qgraph.nodes if n.op == "Dense")
    x_name = first.inputs[0].name
    acc_name = first.outputs[0].name
    got = fpgaforge.execute(qgraph, feeds, outputs=[x_name, acc_name], as_codes=True)
    x, w, b = got[x_name], first.inputs[1].const, first.inputs[2].const
    np.testing.assert_array_equal(got[acc_name], x @ w.T + b)
    # the accumulator's type holds every sum exactly: fractional bits add, integer bits grow with K
    tx, tw, tacc = first.inputs[0].dtype, first.inputs[1].dtype, first.outputs[0].dtype
    assert tacc.frac_bits == tx.frac_bits + tw.frac_bits
    assert tacc.min_code <= got[acc_name].min() and got[acc_name].max() <= tacc.max_code


def test_requant_node_is_the_numeric_core_requantize() -> None:
    graph, feeds, _ = _example("digits_cnn")
    qgraph = quantize(graph, "int8", feeds)
    node = next(n for n in qgraph.nodes if n.op == "Requant")
    names = [node.inputs[0].name, node.outputs[0].name]
    got = fpgaforge.execute(qgraph, feeds, outputs=names, as_codes=True)
    acc, out = got[names[0]], got[names[1]]
    a = node.attrs
    multipliers = (
        a["multiplier"] if isinstance(a["multiplier"], tuple) else (a["multiplier"],) * acc.shape[1]
    )
    shifts = a["shift"] if isinstance(a["shift"], tuple) else (a["shift"],) * acc.shape[1]
    for c in range(acc.shape[1]):
        expected = requantize(
            acc[:, c], multipliers[c], shifts[c], a["rounding"], a["to"], a["overflow"]
        )
        np.testing.assert_array_equal(out[:, c], expected)


def test_overflow_counts_are_reported() -> None:
    graph, feeds, _ = _example("digits_cnn")
    qgraph = quantize(graph, "fixed:8,3", feeds)  # logits exceed ±4: they saturate
    overflow: dict = {}
    fpgaforge.execute(qgraph, feeds, overflow=overflow)
    assert overflow["logits"].count > 0
    assert overflow["logits"].total == 10 * len(feeds["x"])


def test_accuracy_close_to_float_at_8_bits() -> None:
    graph, feeds, labels = _example("digits_cnn")
    float_acc = (fpgaforge.execute(graph, feeds)["logits"].argmax(1) == labels).mean()
    for spec in ("int8", "fixed:8"):
        q_acc = (
            fpgaforge.execute(quantize(graph, spec, feeds), feeds)["logits"].argmax(1) == labels
        ).mean()
        assert q_acc >= float_acc - 0.01, spec


def test_default_calibration_works_on_a_bare_model() -> None:
    graph, feeds, _ = _example("digits_mlp")
    qgraph = quantize(graph, "int8")
    assert qgraph.metadata["calibrated"] is False
    assert fpgaforge.execute(qgraph, feeds)["logits"].shape == (len(feeds["x"]), 10)


def test_yaml_config_per_layer_and_op_type(tmp_path: Path) -> None:
    graph, feeds, _ = _example("digits_cnn")
    first_conv = next(n for n in graph.nodes if n.op == "Conv").name
    config = tmp_path / "q.yaml"
    config.write_text(
        "default: fixed:8,3\n"
        "op_types:\n  Dense: {spec: 'fixed:16,6'}\n"
        f"layers:\n  '{first_conv}': {{weight: 'fixed<6,1>', accum: 'fixed<24,8>'}}\n"
    )
    qgraph = quantize(graph, config, feeds)
    conv = next(n for n in qgraph.nodes if n.op == "Conv")
    assert conv.inputs[1].dtype == Fixed(6, 1, True, "TRN", "WRAP")
    assert conv.outputs[0].dtype == Fixed(24, 8)
    dense = next(n for n in qgraph.nodes if n.op == "Dense")
    assert dense.inputs[1].dtype.width == 16


def test_activation_tables_and_clip_codes_survive_a_qonnx_round_trip(tmp_path: Path) -> None:
    g = Graph("acts")
    x = g.add_input("x", (1, 6))
    rng = np.random.default_rng(0)
    fc = g.add_node("Dense", [x, g.add_constant("w", rng.normal(size=(5, 6)))], name="fc")
    clip = g.add_node("Activation", fc.outputs, name="clip", attrs={"func": "clip", "max": 1.5})
    tanh = g.add_node("Activation", clip.outputs, name="tanh", attrs={"func": "tanh"})
    g.outputs = [tanh.outputs[0]]
    feeds = {"x": rng.normal(size=(32, 6)).astype(np.float32)}
    qgraph = quantize(g, "fixed:8,3", feeds)
    again = load_qonnx(save_qonnx(qgraph, tmp_path / "acts.onnx"))
    quant = {n.name: n.quant for n in qgraph.nodes}
    assert quant["clip"].clip_codes is not None and quant["tanh"].table is not None
    assert {n.name: n.quant for n in again.nodes} == quant
    table, back = quant["tanh"].table, again.find_node("tanh").quant.table
    np.testing.assert_array_equal(back.values, table.values)
    name = g.outputs[0].name
    np.testing.assert_array_equal(
        fpgaforge.execute(again, feeds, as_codes=True)[name],
        fpgaforge.execute(qgraph, feeds, as_codes=True)[name],
    )
