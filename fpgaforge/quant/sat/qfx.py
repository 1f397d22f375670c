"""N:M sparse training of a QFX fixed-point model (`sparsify(qfx_model, ...)`).

The masks act on the layer's fixed-point weights (the QFX quantizer's output; their
magnitudes rank the weights), the dense master weights stay the trained parameters,
and `qfx.export` writes the forward-masked weights with an N:M weight format.
"""

from __future__ import annotations

from collections.abc import Iterable

from fpgaforge.errors import SparsityError
from fpgaforge.quant.qfx.model import QfxModel
from fpgaforge.quant.sat.train import SatConfig, SparseState

LAYERS = ("Dense", "Conv")


def sparsify_qfx(model: QfxModel, config: SatConfig, skip: Iterable[str] = ()) -> QfxModel:
    """Hook every Dense and Conv of a QFX model not named in `skip` (node names)."""
    if model.config.k_hot is not None:
        raise SparsityError(
            "A K-hot QFX model cannot also be N:M sparse: its weights have one format; "
            "prepare it without k_hot."
        )
    skipped = set(skip)
    names = {node.name for node in model.graph.nodes}
    if skipped - names:
        raise SparsityError(
            f"sparsify(skip=...) names no node {sorted(skipped - names)} of the graph."
        )
    if config.method == "dense":
        return model
    for index, node in enumerate(model.graph.nodes):
        if node.op not in LAYERS or node.name in skipped:
            continue
        weight = model.quantized_weight(index).detach()
        per_group = weight.shape[1]
        if node.op == "Conv" and per_group == 1:
            raise SparsityError(
                f"Layer {node.name!r} is a depthwise convolution (one input channel per group), "
                f"which has no group of M={config.pattern.m} input channels; list it in skip= "
                f"to keep it dense."
            )
        if per_group % config.pattern.m:
            raise SparsityError(
                f"Layer {node.name!r} has {per_group} inputs per output along its reduction "
                f"axis, not a multiple of M={config.pattern.m}; choose an M that divides it or "
                f"list it in skip= to keep it dense."
            )
        model.weight_hooks[index] = SparseState(weight, config, node.name)
    return model
