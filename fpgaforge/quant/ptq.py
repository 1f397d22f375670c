"""Post-training quantization: `quantize(graph, spec, calibration=...)`."""

from __future__ import annotations

import os

from fpgaforge.ir.graph import Graph
from fpgaforge.quant.calibrate import Calibration, observe_ranges
from fpgaforge.quant.lightmamba import is_mamba_spec, quantize_mamba
from fpgaforge.quant.lower import lower
from fpgaforge.quant.plan import plan_types
from fpgaforge.quant.sparsity import apply_sparsity
from fpgaforge.quant.spec import QuantSpec, parse_spec


def quantize(
    graph: Graph,
    spec: str | os.PathLike | QuantSpec,
    calibration: Calibration | None = None,
    sparsity: str | None = None,
) -> Graph:
    """Quantize a float graph; returns a new, integer graph.

    `spec` is a spec string (`fixed:8,3`, `fixed:6`, `int8`, `int4`, `w4a8`; for Mamba-2
    decode steps `lightmamba`, `w8a8`, `w4a4-rtn` with `:knob=value` options), a YAML
    config path or a parsed `QuantSpec`. `calibration` is a dict of input name →
    batch array, or an iterable of such dicts; without it, ranges come from the
    documented default (`fpgaforge.quant.calibrate.default_calibration`).
    `sparsity` ('2:8') makes every Dense layer N:M first: weights that already are N:M
    (e.g. trained with `fpgaforge.quant.sat`) are kept exactly, others are pruned by
    magnitude (`fpgaforge.quant.sparsity.apply_sparsity`).
    """
    if is_mamba_spec(spec):
        return quantize_mamba(graph, spec, calibration)  # type: ignore[arg-type]
    parsed = parse_spec(spec)
    if sparsity is not None:
        graph = apply_sparsity(graph, sparsity)
    ranges = observe_ranges(graph, calibration)
    plan = plan_types(graph, parsed, ranges)
    qgraph = lower(graph, plan)
    qgraph.metadata["quant_spec"] = parsed.text
    qgraph.metadata["calibrated"] = calibration is not None
    if sparsity is not None:
        qgraph.metadata["sparsity"] = str(sparsity)
    return qgraph
