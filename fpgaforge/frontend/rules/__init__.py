"""Canonicalization rules, one family per module.

Each rule is a declarative `fpgaforge.ir.passes.Rewrite`: a pattern (`match`),
a check that gives the reason when a matched node cannot be rewritten, and the
rewrite itself. `fpgaforge.frontend.canonicalize` puts them in their fixed order.

- `batchnorm`: fold an `Affine` (an unfolded BatchNorm) into the layer before it;
- `bias`: fold a constant `Add` after a bias-free layer into its bias;
- `activations`: SiLU, HardSwish and GELU from their decomposed forms;
- `layernorm`: the decomposed LayerNorm of older exports;
- `lrn`: torch's decomposed local_response_norm;
- `padding`: a zero `Pad` into the pads of the Conv or average Pool after it;
- `rmsnorm`, `conv1d`, `ssm`, `ssm_scan`: the parts of a Mamba-2 block (RMSNorm and
  softplus, the causal conv window, the SSM step, and chains of steps into a scan).

`families` names the op families the rules look for, `patterns` holds the
matching helpers they share and `splice` the one graph edit they all end with.
"""
