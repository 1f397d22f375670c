"""Canonicalization: rewrite imported graphs into fpgaforge's preferred forms.

The rules live in `fpgaforge.frontend.rules`, one family per module; this
module puts them in their fixed order and runs them to a fixed point with the
pass manager, dropping dead nodes at the end of each round. The order is part
of the behaviour (the imported graph, node names included, depends on it).
"""

from __future__ import annotations

from fpgaforge.frontend.rules.activations import FUSE_GELU, FUSE_HARD_SWISH, FUSE_SILU
from fpgaforge.frontend.rules.batchnorm import FOLD_AFFINE
from fpgaforge.frontend.rules.bias import FOLD_BIAS
from fpgaforge.frontend.rules.conv1d import FUSE_CAUSAL_CONV
from fpgaforge.frontend.rules.layernorm import FUSE_LAYERNORM
from fpgaforge.frontend.rules.lrn import FUSE_LRN
from fpgaforge.frontend.rules.padding import FOLD_PAD
from fpgaforge.frontend.rules.reduce import DIV_BY_CONSTANT, SPATIAL_MEAN
from fpgaforge.frontend.rules.rmsnorm import FUSE_RMSNORM, FUSE_SOFTPLUS
from fpgaforge.frontend.rules.ssm import FUSE_SSM_STEP
from fpgaforge.frontend.rules.ssm_scan import FUSE_SSM_SCAN
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.passes import FunctionPass, PassManager

DEAD_CODE = FunctionPass("remove-dead-nodes", lambda graph: graph.remove_dead_nodes() > 0)

CANONICALIZE = [
    FUSE_LRN,
    FUSE_LAYERNORM,
    FUSE_GELU,
    FUSE_SILU,
    FUSE_HARD_SWISH,
    FUSE_SOFTPLUS,
    FUSE_RMSNORM,
    FUSE_SSM_STEP,
    FUSE_CAUSAL_CONV,
    FOLD_BIAS,
    FOLD_AFFINE,
    FOLD_PAD,
    SPATIAL_MEAN,
    DIV_BY_CONSTANT,
    FUSE_SSM_SCAN,
    DEAD_CODE,
]
"""Every canonicalization pass, in the order the pass manager runs them each round."""


def canonicalize(graph: Graph, *, fold_batchnorm: bool = True) -> Graph:
    """Run the canonicalization rules to a fixed point (optionally leaving BatchNorm unfolded)."""
    rules = [rule for rule in CANONICALIZE if fold_batchnorm or rule is not FOLD_AFFINE]
    return PassManager(rules, fixed_point=True).run(graph)
