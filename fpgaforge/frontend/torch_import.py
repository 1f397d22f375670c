"""`from_torch`: import a PyTorch module through an in-memory ONNX export."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from fpgaforge.errors import ModelLoadError
from fpgaforge.frontend.onnx.loader import load
from fpgaforge.ir.graph import Graph

DEFAULT_OPSET = 17


def from_torch(
    module: Any,
    example_inputs: Any,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset: int = DEFAULT_OPSET,
    name: str | None = None,
    fold_batchnorm: bool = True,
) -> Graph:
    """Import `module` (a `torch.nn.Module`) by exporting it to ONNX in memory.

    `example_inputs` is a tensor or a tuple of tensors; their shapes become
    the graph's static shapes (dimension 0 stays free for execution). The
    module is exported in eval mode with the TorchScript exporter. With
    `fold_batchnorm=False`, BatchNorm layers stay separate `Affine` ops.
    """
    import torch  # imported on first use: importing fpgaforge need not load torch

    if not isinstance(module, torch.nn.Module):
        raise ModelLoadError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}.")
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    names = list(
        input_names or (["x"] if len(inputs) == 1 else [f"x{i}" for i in range(len(inputs))])
    )
    outputs = list(output_names or ["y"])
    was_training = module.training
    module.eval()
    buffer = io.BytesIO()
    try:
        with torch.no_grad():
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
                    else {
                        "training": torch.onnx.TrainingMode.PRESERVE,
                        "do_constant_folding": False,
                    }
                ),
            )
    except Exception as exc:  # torch raises many kinds during export
        raise ModelLoadError(
            f"PyTorch could not export {type(module).__name__} to ONNX: {exc}".rstrip(".") + "."
        ) from None
    finally:
        module.train(was_training)
    shapes = {n: tuple(t.shape) for n, t in zip(names, inputs, strict=True)}
    return load(
        buffer.getvalue(),
        input_shapes=shapes,
        name=name or type(module).__name__,
        fold_batchnorm=fold_batchnorm,
    )
