"""Families of fpgaforge ops that the canonicalization rules treat alike, from the op
registry's traits (`fpgaforge.ir.ops.registry.Trait`)."""

from __future__ import annotations

from fpgaforge.ir.ops.registry import Trait, ops_with

CONVOLUTIONS = ops_with(Trait.WEIGHTED, Trait.WINDOWED)
"""Sliding-window layers with weights: inputs (x, weight[, bias]), attribute `pads`."""

WEIGHTED = ops_with(Trait.WEIGHTED)
"""Layers with inputs (x, weight[, bias]) whose output channels are the weight's axis 0."""

PADDED = ops_with(Trait.WINDOWED)
"""Layers with their own spatial `pads` attribute, into which a zero `Pad` can fold."""
