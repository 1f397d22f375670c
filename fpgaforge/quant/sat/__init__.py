"""SAT: N:M sparse training (BDWP) and its export to N:M sparse hardware.

    model = sat.sparsify(torch_module, "2:8", method="bdwp")   # or a qfx.QfxModel
    ... train `model` with an ordinary torch loop ...
    graph = sat.export(model, example_inputs, "model.onnx")    # masks applied, N:M formats
    qgraph = fpgaforge.quantize(graph, "int8")                 # keeps the N:M weights

See docs/sat.md for the method, its knobs and the hardware unit.
"""

from fpgaforge.numerics.nm import NMPattern
from fpgaforge.quant.sat.api import sparsify
from fpgaforge.quant.sat.export import export
from fpgaforge.quant.sat.masks import backward_mask, forward_mask, topn_mask, transposable_mask
from fpgaforge.quant.sat.train import (
    SatConfig,
    prune,
    refresh_masks,
    sparse_layers,
    strip,
)

__all__ = [
    "NMPattern",
    "SatConfig",
    "backward_mask",
    "export",
    "forward_mask",
    "prune",
    "refresh_masks",
    "sparse_layers",
    "sparsify",
    "strip",
    "topn_mask",
    "transposable_mask",
]
