"""The forms in which the Mamba-2 import tests hand a block to fpgaforge.

- `step`: one decode step (u, conv_state, ssm_state) -> (y, conv_out, ssm_out), exported
  by TorchScript (`torch.onnx.export(dynamo=False)`) or dynamo (`dynamo=True`);
- `scan`: an ONNX `Scan` over a sequence whose body is that exported step (built with
  onnx.helper), with the states carried;
- `unrolled`: a module that runs the step over a short sequence in a Python loop,
  exported as one graph (u_seq [1, L, D] in, y_seq out).

`run_tokens` follows onnxruntime over 32 tokens with both sides carrying their own state
and gives the largest relative error seen.
"""

from __future__ import annotations

import functools
import io
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import helper

import fpgaforge
from fpgaforge.models.config import Mamba2Config

STEP_NAMES = (["u", "conv_state", "ssm_state"], ["y", "conv_out", "ssm_out"])
SEQ_NAMES = (["u_seq", "conv_in", "ssm_in"], ["y_seq", "conv_final", "ssm_final"])
TOKENS = 32
RTOL, ATOL = 1e-4, 1e-5


def zero_states(cfg: Mamba2Config) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.zeros((1, cfg.conv_dim, cfg.d_conv - 1), np.float32),
        np.zeros((1, cfg.nheads, cfg.headdim, cfg.d_state), np.float32),
    )


def export(module: torch.nn.Module, example: tuple, names: tuple, exporter: str) -> bytes:
    """ONNX bytes of `module` from the TorchScript ("ts") or the dynamo exporter."""
    module = module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "dynamo":
            program = torch.onnx.export(
                module, example, dynamo=True, opset_version=18, verbose=False,
                input_names=names[0], output_names=names[1],
            )  # fmt: skip
            return program.model_proto.SerializeToString()
        buffer = io.BytesIO()
        torch.onnx.export(
            module, example, buffer, dynamo=False, opset_version=17,
            input_names=names[0], output_names=names[1],
        )  # fmt: skip
        return buffer.getvalue()


def step_example(cfg: Mamba2Config) -> tuple[torch.Tensor, ...]:
    conv, ssm = zero_states(cfg)
    return torch.randn(1, cfg.d_model), torch.from_numpy(conv), torch.from_numpy(ssm)


def scan_model(step: bytes, length: int) -> bytes:
    """A Scan over `length` tokens whose body is the exported decode step `step`."""
    proto = onnx.load_from_string(step)
    graph = proto.graph
    by_name = {v.name: v for v in list(graph.input) + list(graph.output)}
    (u, conv, ssm), (y, conv_out, ssm_out) = STEP_NAMES
    body = helper.make_graph(
        list(graph.node), "step", [by_name[conv], by_name[ssm], by_name[u]],
        [by_name[conv_out], by_name[ssm_out], by_name[y]], list(graph.initializer),
    )  # fmt: skip
    body.value_info.extend(graph.value_info)
    dims = [[d.dim_value for d in by_name[n].type.tensor_type.shape.dim] for n in (u, conv, ssm)]
    d_model = dims[0][1]
    infos = [
        helper.make_tensor_value_info(
            SEQ_NAMES[0][0], onnx.TensorProto.FLOAT, [1, length, d_model]
        ),
        helper.make_tensor_value_info(SEQ_NAMES[0][1], onnx.TensorProto.FLOAT, dims[1]),
        helper.make_tensor_value_info(SEQ_NAMES[0][2], onnx.TensorProto.FLOAT, dims[2]),
    ]
    outs = [
        helper.make_tensor_value_info(
            SEQ_NAMES[1][0], onnx.TensorProto.FLOAT, [1, length, d_model]
        ),
        helper.make_tensor_value_info(SEQ_NAMES[1][1], onnx.TensorProto.FLOAT, dims[1]),
        helper.make_tensor_value_info(SEQ_NAMES[1][2], onnx.TensorProto.FLOAT, dims[2]),
    ]
    scan = helper.make_node(
        "Scan", [SEQ_NAMES[0][1], SEQ_NAMES[0][2], SEQ_NAMES[0][0]],
        [SEQ_NAMES[1][1], SEQ_NAMES[1][2], SEQ_NAMES[1][0]], name="block_scan", body=body,
        num_scan_inputs=1, scan_input_axes=[1], scan_output_axes=[1],
    )  # fmt: skip
    outer = helper.make_graph([scan], "mamba_scan", infos, outs)
    model = helper.make_model(outer, opset_imports=list(proto.opset_import))
    model.functions.extend(proto.functions)
    model.ir_version = proto.ir_version
    onnx.checker.check_model(model)
    return model.SerializeToString()


class Unrolled(torch.nn.Module):
    """The decode step run over a short sequence in a Python loop; with `feedback` each
    token's input also adds the previous token's output (so the SSM steps cannot run as
    one scan)."""

    def __init__(self, step: torch.nn.Module, length: int, feedback: bool = False) -> None:
        super().__init__()
        self.step, self.length, self.feedback = step, length, feedback

    def forward(self, u_seq, conv_state, ssm_state):
        ys = []
        for t in range(self.length):
            u = u_seq[:, t] + ys[-1] if self.feedback and ys else u_seq[:, t]
            y, conv_state, ssm_state = self.step(u, conv_state, ssm_state)
            ys.append(y)
        return torch.stack(ys, dim=1), conv_state, ssm_state


@functools.cache
def step_bytes(formulation: type, cfg: Mamba2Config, exporter: str) -> bytes:
    """The exported step of a seeded `formulation` (cached: the dynamo exporter is slow)."""
    return export(make(formulation, cfg), step_example(cfg), STEP_NAMES, exporter)


def make(formulation: type, cfg: Mamba2Config) -> torch.nn.Module:
    """A seeded instance with weights far enough from their defaults to exercise the state."""
    torch.manual_seed(0)
    module = formulation(cfg)
    mixer = getattr(module, "mixer", None)
    if mixer is not None:
        with torch.no_grad():
            mixer.A_log.uniform_(-1, 1)
            mixer.D.normal_()
            mixer.dt_bias.normal_()
            mixer.conv1d.weight.mul_(2)
    return module


def run_tokens(data: bytes, graph: fpgaforge.Graph, cfg: Mamba2Config, chunk: int) -> float:
    """Feed `TOKENS` random tokens, `chunk` per call (1: a step model; else u_seq [1, chunk, D]),
    carrying each side's state. Asserts every output within rtol 1e-4 (atol 1e-5) of
    onnxruntime and returns the largest relative error among the elements of magnitude
    0.1 or more (where the relative tolerance binds)."""
    names = STEP_NAMES if chunk == 1 else SEQ_NAMES
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    conv, ssm = zero_states(cfg)
    ours = {names[0][1]: conv, names[0][2]: ssm}
    theirs = dict(ours)
    worst = 0.0
    for _ in range(TOKENS // chunk):
        shape = (1, cfg.d_model) if chunk == 1 else (1, chunk, cfg.d_model)
        u = rng.standard_normal(shape).astype(np.float32)
        expected = session.run(names[1], {names[0][0]: u, **theirs})
        got = fpgaforge.execute(graph, {names[0][0]: u, **ours})
        for name, want in zip(names[1], expected, strict=True):
            np.testing.assert_allclose(got[name], want, rtol=RTOL, atol=ATOL, err_msg=name)
            governed = np.abs(want) >= ATOL / RTOL  # where the relative tolerance binds
            if governed.any():
                error = np.abs(got[name] - want)[governed] / np.abs(want)[governed]
                worst = max(worst, float(error.max()))
        theirs = {names[0][1]: expected[1], names[0][2]: expected[2]}
        ours = {names[0][1]: got[names[1][1]], names[0][2]: got[names[1][2]]}
    assert np.abs(ours[names[0][2]]).max() > 0.1  # the state carried something
    return worst
