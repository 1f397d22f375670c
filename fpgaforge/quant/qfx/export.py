"""`prepare` a model for QFX training and `export` the trained model as a quantized graph."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.ops.registry import Trait, has_trait
from fpgaforge.ir.quant_info import WeightFormat
from fpgaforge.quant.calibrate import Calibration, observe_ranges
from fpgaforge.quant.lower import lower
from fpgaforge.quant.plan import TypePlan, has_parameters, keeps_input_type
from fpgaforge.quant.qfx.model import QfxConfig, QfxModel, _key


def prepare(
    model: Any,
    config: QfxConfig | None = None,
    *,
    example_inputs: Any = None,
    calibration: Calibration | None = None,
) -> QfxModel:
    """Wrap a model for QFX training.

    `model` is a torch.nn.Module (give `example_inputs`), an ONNX path or an fpgaforge
    float Graph. Initial integer bits come from `calibration` ranges (default: the
    documented uniform [-1, 1] data) and the weights' own ranges.
    """
    from fpgaforge.frontend import from_torch, load

    config = config or QfxConfig()
    if isinstance(model, Graph):
        graph = model
    elif isinstance(model, str | os.PathLike):
        graph = load(model, fold_batchnorm=config.fold_batchnorm)
    elif isinstance(model, torch.nn.Module):
        if example_inputs is None:
            raise QuantizationError("qfx.prepare needs example_inputs to import a torch module.")
        graph = from_torch(model, example_inputs, fold_batchnorm=config.fold_batchnorm)
    else:
        raise QuantizationError(
            f"qfx.prepare takes a torch module, an ONNX path or a Graph, not {type(model).__name__}."
        )
    return QfxModel(graph, config, observe_ranges(graph, calibration))


def export(model: QfxModel) -> Graph:
    """The quantized fpgaforge graph of a (trained) QFX model.

    Weights and biases are written at their fixed-point values (K-hot projected when
    enabled, and those layers annotated `shift_add`), every tensor gets the type its
    quantizer has now, and `fpgaforge.quant.lower` builds the integer graph.
    """
    graph = model.graph.copy()
    plan = TypePlan()
    with torch.no_grad():
        for value in graph.inputs:
            plan.values[value.name] = model.quantizers[model.value_keys[value.name]].type
        for index, node in enumerate(graph.nodes):
            if has_parameters(node.op):
                weight = model.quantized_weight(index)
                hook = model.weight_hooks.get(index)
                if hook is not None:
                    weight = hook.masked(weight)
                    plan.weight_formats[node.name] = hook.format
                weight = weight.numpy()
                node.inputs[1] = graph.add_constant(
                    f"{node.name}_qfx_weight", weight.astype(np.float64)
                )
                node.inputs[1].users.append(node)
                plan.weights[node.name] = model.weight_type(index)
                if node.input(2) is not None:
                    bias = model.quantizers[_key(index, "bias")](
                        model.params[_key(index, "bias")]
                    ).numpy()
                    node.inputs[2] = graph.add_constant(
                        f"{node.name}_qfx_bias", bias.astype(np.float64)
                    )
                    node.inputs[2].users.append(node)
                    plan.biases[node.name] = model.bias_type(index)
                if model.config.k_hot is not None and has_trait(node.op, Trait.WEIGHTED):
                    plan.weight_formats[node.name] = WeightFormat.k_hot(model.config.k_hot)
            for out in node.outputs:
                if out.name in model.value_keys:
                    plan.values[out.name] = model.quantizers[model.value_keys[out.name]].type
                elif keeps_input_type(graph, node) and node.inputs[0] is not None:
                    plan.values[out.name] = plan.values[node.inputs[0].name]
    qgraph = lower(graph, plan)
    qgraph.metadata["quant_spec"] = f"qfx:{model.config.width}" + (
        f",k{model.config.k_hot}" if model.config.k_hot else ""
    )
    return qgraph
