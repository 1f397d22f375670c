"""`from_torch`: import a PyTorch module through an in-memory ONNX export."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from typing import Any

from fpgaforge.errors import ModelLoadError
from fpgaforge.frontend.onnx.loader import load
from fpgaforge.ir.graph import Graph

DEFAULT_OPSET = 17
DYNAMO_MIN_OPSET = 18
"""The dynamo exporter writes opset 18 and later."""
EXPORTERS = ("auto", "torchscript", "dynamo")
"""`from_torch`'s exporter choices ("auto": TorchScript, then dynamo where it fails)."""


def from_torch(
    module: Any,
    example_inputs: Any,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset: int = DEFAULT_OPSET,
    name: str | None = None,
    fold_batchnorm: bool = True,
    exporter: str = "auto",
) -> Graph:
    """Import `module` (a `torch.nn.Module`) by exporting it to ONNX in memory.

    `example_inputs` is a tensor or a tuple of tensors; their shapes become
    the graph's static shapes (dimension 0 stays free for execution). The
    module is exported in eval mode with the TorchScript exporter; where that fails,
    with the dynamo exporter (static shapes, opset ≥ 18) and a warning saying so.
    `graph.metadata["torch_exporter"]` says which one ran ("torchscript" or "dynamo");
    `exporter="torchscript"` or `"dynamo"` runs only that one ("auto": the fallback order).
    With `fold_batchnorm=False`, BatchNorm layers stay separate `Affine` ops (TorchScript
    exporter only).
    """
    import torch  # imported on first use: importing fpgaforge need not load torch

    if not isinstance(module, torch.nn.Module):
        raise ModelLoadError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}.")
    if exporter not in EXPORTERS:
        raise ModelLoadError(
            f"from_torch has no exporter {exporter!r}; choose one of {', '.join(EXPORTERS)}."
        )
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    names = list(
        input_names or (["x"] if len(inputs) == 1 else [f"x{i}" for i in range(len(inputs))])
    )
    outputs = list(output_names or ["y"])
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            if exporter == "dynamo":
                data = _dynamo(torch, module, inputs, names, outputs, opset, None)
            else:
                try:
                    data = _torchscript(
                        torch, module, inputs, names, outputs, opset, fold_batchnorm
                    )
                    exporter = "torchscript"
                except Exception as first:  # torch raises many kinds during export
                    if not fold_batchnorm or exporter == "torchscript":
                        raise
                    exporter = "dynamo"
                    data = _dynamo(torch, module, inputs, names, outputs, opset, first)
    except Exception as exc:
        raise ModelLoadError(
            f"PyTorch could not export {type(module).__name__} to ONNX: {exc}".rstrip(".") + "."
        ) from None
    finally:
        module.train(was_training)
    shapes = {n: tuple(t.shape) for n, t in zip(names, inputs, strict=True)}
    graph = load(
        data, input_shapes=shapes, name=name or type(module).__name__, fold_batchnorm=fold_batchnorm
    )
    graph.metadata["torch_exporter"] = exporter
    return graph


def _torchscript(torch, module, inputs, names, outputs, opset: int, fold_batchnorm: bool) -> bytes:
    """The TorchScript exporter's ONNX bytes (dimension 0 dynamic)."""
    buffer = io.BytesIO()
    torch.onnx.export(
        module,
        inputs,
        buffer,
        dynamo=False,
        opset_version=opset,
        input_names=names,
        output_names=outputs,
        dynamic_axes={n: {0: "batch"} for n in names + outputs},
        **(
            {}
            if fold_batchnorm
            else {"training": torch.onnx.TrainingMode.PRESERVE, "do_constant_folding": False}
        ),
    )
    return buffer.getvalue()


def _dynamo(torch, module, inputs, names, outputs, opset: int, first: Exception | None) -> bytes:
    """The dynamo exporter's ONNX bytes (static shapes, opset at least 18); when the
    TorchScript exporter failed first (with `first`), a warning says so."""
    if first is not None:
        warnings.warn(
            f"The TorchScript exporter failed on {type(module).__name__} ({first}); "
            f"fpgaforge used the dynamo exporter instead.",
            stacklevel=3,
        )
    program = torch.onnx.export(
        module,
        inputs,
        dynamo=True,
        opset_version=max(opset, DYNAMO_MIN_OPSET),
        input_names=names,
        output_names=outputs,
        verbose=False,
    )
    program.optimize()
    return program.model_proto.SerializeToString()
