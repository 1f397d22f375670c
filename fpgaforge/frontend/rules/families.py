"""Families of fpgaforge ops that the canonicalization rules treat alike."""

from __future__ import annotations

CONVOLUTIONS = ("Conv", "DepthwiseConv")
"""Sliding-window layers with weights: inputs (x, weight[, bias]), attribute `pads`."""

WEIGHTED = (*CONVOLUTIONS, "Dense")
"""Layers with inputs (x, weight[, bias]) whose output channels are the weight's axis 0."""

PADDED = (*CONVOLUTIONS, "Pool")
"""Layers with their own spatial `pads` attribute, into which a zero `Pad` can fold."""
