"""Importing Mamba-2 blocks: two independent formulations (tests/frontend/mamba_steps.py)
x two exporters (TorchScript, dynamo) x three forms (the decode step, an ONNX `Scan` whose
body is that step, the step unrolled over a short sequence). Each maps to the SSM ops
(SSMStep for a step, one SSMScan for a sequence) and `execute` follows onnxruntime over
32 tokens with the state carried (rtol 1e-4). Then B and C repeated to the heads
(ngroups < nheads), and bad input: a Hadamard size with no construction, a group size
that does not divide the channels, a Mamba-1 block."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest
import torch

import fpgaforge
from fpgaforge.cli import main
from fpgaforge.models import config
from fpgaforge.models.mamba2 import Mamba2LM
from tests.frontend import mamba_exports as mx
from tests.frontend.mamba_steps import Mamba1Step, MinimalStep, OursStep

CFG = config("mamba2-micro")
FORMULATIONS = {"ours": OursStep, "minimal": MinimalStep}
EXPORTERS = ("ts", "dynamo")
UNROLL = {"ts": 4, "dynamo": 2}
"""Tokens per exported unrolled graph (the dynamo exporter is slow on loops)."""


def _ssm_ops(graph: fpgaforge.Graph) -> dict[str, int]:
    ops = graph.op_counts()
    for absent in ("Einsum", "Where", "Compare", "Pow", "Reduce"):
        assert absent not in ops, ops
    return ops


@pytest.fixture(scope="module", autouse=True)
def _dynamo_loaded() -> None:
    """The dynamo exporter's one-time start (several seconds of imports), outside the tests."""
    mx.export(torch.nn.Linear(2, 2), (torch.zeros(1, 2),), (["a"], ["b"]), "dynamo")


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_decode_step_imports_to_ssm_ops_and_follows_onnxruntime(formulation, exporter) -> None:
    data = mx.step_bytes(FORMULATIONS[formulation], CFG, exporter)
    graph = fpgaforge.load(data)
    ops = _ssm_ops(graph)
    assert (ops.get("SSMStep"), ops.get("RMSNorm"), ops.get("CausalConv1d")) == (1, 2, 1), ops
    assert ops.get("Activation") == 1, ops  # the SiLU of the conv; softplus is inside SSMStep
    gated = [n for n in graph.nodes if n.op == "RMSNorm" and n.inputs[2] is not None]
    assert len(gated) == 1
    assert mx.run_tokens(data, graph, CFG, 1) < 1e-4


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_scan_of_the_step_imports_to_one_ssm_scan(formulation, exporter) -> None:
    data = mx.scan_model(mx.step_bytes(FORMULATIONS[formulation], CFG, exporter), mx.TOKENS)
    graph = fpgaforge.load(data)
    ops = _ssm_ops(graph)
    assert ops.get("SSMScan") == 1 and "SSMStep" not in ops, ops
    assert "Scan" not in ops and ops.get("CausalConv1d") == mx.TOKENS, ops
    scan = next(n for n in graph.nodes if n.op == "SSMScan")
    assert scan.inputs[0].shape == (1, mx.TOKENS, CFG.nheads, CFG.headdim)
    assert mx.run_tokens(data, graph, CFG, mx.TOKENS) < 1e-4


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_step_unrolled_over_a_short_sequence_imports_to_one_ssm_scan(formulation, exporter) -> None:
    length = UNROLL[exporter]
    module = mx.Unrolled(mx.make(FORMULATIONS[formulation], CFG), length)
    conv, ssm = mx.zero_states(CFG)
    example = (torch.randn(1, length, CFG.d_model), torch.from_numpy(conv), torch.from_numpy(ssm))
    data = mx.export(module, example, mx.SEQ_NAMES, exporter)
    graph = fpgaforge.load(data)
    ops = _ssm_ops(graph)
    assert ops.get("SSMScan") == 1 and "SSMStep" not in ops, ops
    assert mx.run_tokens(data, graph, CFG, length) < 1e-4


def test_steps_whose_input_reads_an_earlier_output_stay_steps() -> None:
    length = 4
    module = mx.Unrolled(mx.make(MinimalStep, CFG), length, feedback=True)
    conv, ssm = mx.zero_states(CFG)
    example = (torch.randn(1, length, CFG.d_model), torch.from_numpy(conv), torch.from_numpy(ssm))
    data = mx.export(module, example, mx.SEQ_NAMES, "ts")
    graph = fpgaforge.load(data)
    ops = _ssm_ops(graph)
    assert ops.get("SSMStep") == length and "SSMScan" not in ops, ops
    skips = [r for r in graph.metadata.get("rewrite_skips", []) if r[0] == "fuse-ssm-scan"]
    assert skips and "feedback" in skips[0][2], skips
    assert mx.run_tokens(data, graph, CFG, length) < 1e-4


GROUPED = dataclasses.replace(CFG, ngroups=2)
TILED = functools.partial(MinimalStep, repeat="tile")


@pytest.mark.parametrize(
    ("formulation", "exporter", "groups"),
    [
        (OursStep, "ts", 2),  # repeat_interleave: Unsqueeze, Expand, Reshape
        (OursStep, "dynamo", 2),
        (MinimalStep, "ts", 2),  # unsqueeze(2).expand(...).reshape
        (MinimalStep, "dynamo", 2),
        (TILED, "ts", GROUPED.nheads),  # Tensor.repeat: head h reads group h % G
    ],
    ids=["interleave-ts", "interleave-dynamo", "expand-ts", "expand-dynamo", "tile-ts"],
)
def test_b_and_c_repeated_to_the_heads_fuse(formulation, exporter, groups) -> None:
    data = mx.step_bytes(formulation, GROUPED, exporter)
    graph = fpgaforge.load(data)
    ops = _ssm_ops(graph)
    assert ops.get("SSMStep") == 1, ops
    step = next(n for n in graph.nodes if n.op == "SSMStep")
    assert step.inputs[3].shape == step.inputs[4].shape == (1, groups, GROUPED.d_state)
    assert mx.run_tokens(data, graph, GROUPED, 1) < 1e-4


def test_scan_in_reverse_direction_follows_onnxruntime() -> None:
    import onnx

    proto = onnx.load_from_string(mx.scan_model(mx.step_bytes(MinimalStep, CFG, "ts"), mx.TOKENS))
    scan = proto.graph.node[0]
    scan.attribute.extend(
        [
            onnx.helper.make_attribute("scan_input_directions", [1]),
            onnx.helper.make_attribute("scan_output_directions", [1]),
        ]
    )
    data = proto.SerializeToString()
    graph = fpgaforge.load(data)
    assert graph.op_counts().get("SSMScan") == 1
    assert mx.run_tokens(data, graph, CFG, mx.TOKENS) < 1e-4


def test_scan_body_reading_weights_of_the_outer_graph() -> None:
    import onnx

    proto = onnx.load_from_string(mx.scan_model(mx.step_bytes(MinimalStep, CFG, "ts"), mx.TOKENS))
    body = proto.graph.node[0].attribute[0].g
    proto.graph.initializer.extend(body.initializer)
    del body.initializer[:]
    data = proto.SerializeToString()
    graph = fpgaforge.load(data)
    assert graph.op_counts().get("SSMScan") == 1
    dense = [n for n in graph.nodes if n.op == "Dense"]
    assert len({id(n.inputs[1]) for n in dense}) == 2  # one copy of each weight, shared
    assert mx.run_tokens(data, graph, CFG, mx.TOKENS) < 1e-4


def test_from_torch_maps_the_step_too() -> None:
    torch.manual_seed(0)
    graph = fpgaforge.from_torch(
        MinimalStep(CFG), mx.step_example(CFG), input_names=mx.STEP_NAMES[0],
        output_names=mx.STEP_NAMES[1],
    )  # fmt: skip
    ops = graph.op_counts()
    assert (ops.get("SSMStep"), ops.get("CausalConv1d"), ops.get("RMSNorm")) == (1, 1, 2), ops


# ---- bad input: one sentence naming the node, exit code 2, nothing written ----------


def _cli(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 3, err
    return " ".join(err.split())


def _lm_step(tmp_path: Path, d_model: int) -> Path:
    from examples.train_mamba_chars import export

    cfg = dataclasses.replace(CFG, d_model=d_model, vocab_size=16)
    torch.manual_seed(0)
    path = tmp_path / f"lm{d_model}.onnx"
    export(Mamba2LM(cfg).eval(), path)
    return path


def test_hadamard_size_without_construction(tmp_path: Path, capsys) -> None:
    model = _lm_step(tmp_path, 36)  # 36 = 9 * 4: no H_9
    err = _cli(capsys, ["quantize", str(model), "--quant", "lightmamba"])
    assert "width 36, which has no Hadamard construction" in err, err
    assert "(Embedding" in err and "rotation=off" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [model.name]


def test_group_size_that_does_not_divide_the_channels(tmp_path: Path, capsys) -> None:
    model = _lm_step(tmp_path, 16)
    err = _cli(capsys, ["quantize", str(model), "--quant", "lightmamba:w_group=12"])
    assert "w_group 12 of lightmamba does not divide the 16 input channels of node" in err, err
    assert "in_proj" in err and "w_group=8" in err, err
    err = _cli(
        capsys, ["estimate", "mamba2-2.7b", "--board", "u280", "--quant", "lightmamba:a_group=3"]
    )
    assert "a_group 3 of lightmamba does not divide the 2560 input channels" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [model.name]


def test_mamba1_block_is_refused_with_what_is_supported(tmp_path: Path, capsys) -> None:
    model = tmp_path / "mamba1.onnx"
    example = (torch.randn(1, 16), torch.zeros(1, 32, 3), torch.zeros(1, 32, 8))
    model.write_bytes(mx.export(Mamba1Step(), example, mx.STEP_NAMES, "ts"))
    out = tmp_path / "out"
    err = _cli(
        capsys, ["build", str(model), "--board", "zcu104", "--quant", "int8", "-o", str(out)]
    )
    assert "Mamba-1 selective scan (A of shape (32, 8)" in err, err
    assert "Mamba-1 is not supported" in err and "Mamba-2" in err and "node '" in err, err
    assert not out.exists()
