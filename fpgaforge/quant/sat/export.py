"""`export`: a trained SAT module as an ONNX file and an fpgaforge graph with N:M weights."""

from __future__ import annotations

import copy
import io
import os
import warnings
from typing import Any

from fpgaforge.errors import SparsityError
from fpgaforge.ir.graph import Graph
from fpgaforge.quant.sat.train import sparse_layers, strip
from fpgaforge.quant.sparsity import mark_sparse

ONNX_OPSET = 13
ONNX_IR_VERSION = 10  # onnxruntime 1.31 reads IR <= 10


def export(
    module: Any,
    example_inputs: Any,
    path: str | os.PathLike,
    *,
    input_names: tuple[str, ...] = ("x",),
    output_names: tuple[str, ...] = ("y",),
) -> Graph:
    """Write `module` (prepared by `sparsify`, trained) to the ONNX file `path` with the
    forward masks applied to its weights (BatchNorm kept as nodes), and return the
    imported float graph: every layer whose weights are N:M carries that format, which
    `fpgaforge.quantize` keeps. The file loads with `fpgaforge.load` and `fpgaforge build`."""
    import onnx
    import torch

    from fpgaforge.frontend import load

    layers = sparse_layers(module)
    if not layers:
        raise SparsityError(
            f"{type(module).__name__} has no N:M sparse layer; prepare it with "
            f"fpgaforge.quant.sat.sparsify (or export it with torch.onnx.export)."
        )
    pattern = next(iter(layers.values())).sat_state.config.pattern
    plain = strip(copy.deepcopy(module)).eval()
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            plain,
            inputs,
            buffer,
            dynamo=False,
            opset_version=ONNX_OPSET,
            training=torch.onnx.TrainingMode.PRESERVE,
            input_names=list(input_names),
            output_names=list(output_names),
            dynamic_axes={n: {0: "N"} for n in (*input_names, *output_names)},
        )
    proto = onnx.load_from_string(buffer.getvalue())
    proto.ir_version = min(proto.ir_version, ONNX_IR_VERSION)
    onnx.checker.check_model(proto)
    data = proto.SerializeToString()
    with open(path, "wb") as handle:
        handle.write(data)
    graph = load(
        data, input_shapes={n: tuple(t.shape) for n, t in zip(input_names, inputs, strict=True)}
    )
    mark_sparse(graph, pattern)
    return graph
