"""Reference model definitions: Mamba-2 configurations, its decode step as a graph, and
(in `fpgaforge.models.mamba2`, which needs torch) the model in plain PyTorch."""

from fpgaforge.models.config import CONFIGS, Mamba2Config, config
from fpgaforge.models.mamba2_graph import step_graph, weight_shapes

__all__ = ["CONFIGS", "Mamba2Config", "config", "step_graph", "weight_shapes"]
