"""N:M sparse training of a torch module (BDWP, SR-STE, dense baseline).

Each supported layer (Linear, Conv1d, Conv2d with at least M input channels per group)
keeps its dense weight W as the trained master copy and computes

  forward            Y  = X (W * Mf)^T        Mf: N:M along the reduction (input) axis
  backward, data     dX = dY (W * Mb)         Mb: N:M along the output axis   (bdwp)
                     dX = dY (W * Mf)                                         (srste)
  backward, weight   dW = dY^T X (dense)  [+ decay * (1 - Mf) * W, SR-STE's term]

in a custom autograd function, so an ordinary torch loop (any optimizer) trains it.
Masks are recomputed by magnitude from the updated dense weights every `refresh`
training-mode forward calls (one per step in an ordinary loop). Depthwise convolutions
(one input channel per group) have no input-channel group of M and are refused: name
them in `skip` to keep them dense, as one usually keeps the first and last layers.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from fpgaforge.errors import SparsityError
from fpgaforge.ir.quant_info import WeightFormat
from fpgaforge.numerics.nm import NMPattern
from fpgaforge.quant.sat import masks

METHODS = ("bdwp", "srste", "dense")
BACKWARD_FROM = ("weight", "masked")


@dataclass(frozen=True)
class SatConfig:
    """SAT settings.

    pattern: N:M ('2:8'). method: 'bdwp' (forward and activation gradient N:M),
    'srste' (forward only) or 'dense' (no masks; the baseline).
    refresh: recompute the masks every this many training forward calls (1: every step).
    decay: SR-STE's lambda; adds decay * (1 - Mf) * W to the weight gradient (0: off).
    backward_from: 'masked' (default), Mb from W * Mf (then Mb is a subset of Mf, and no
      gradient flows through weights the forward pass pruned); 'weight', from the dense W.
    transposable: one transposable mask serves as Mf and Mb (M must divide both sizes).
    criterion: 'l1' (|w|), 'l2' (w^2) or a callable score.
    """

    pattern: NMPattern
    method: str = "bdwp"
    refresh: int = 1
    decay: float = 0.0
    backward_from: str = "masked"
    transposable: bool = False
    criterion: masks.Criterion = "l1"

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", NMPattern.parse(self.pattern))
        if self.method not in METHODS:
            raise SparsityError(
                f"Unknown SAT method {self.method!r}; use one of {', '.join(METHODS)}."
            )
        if self.backward_from not in BACKWARD_FROM:
            raise SparsityError(
                f"Unknown backward_from {self.backward_from!r}; use 'weight' or 'masked'."
            )
        if int(self.refresh) < 1:
            raise SparsityError(
                f"The mask refresh interval must be at least 1, got {self.refresh}."
            )
        if self.decay < 0:
            raise SparsityError(f"The SR-STE decay must be >= 0, got {self.decay}.")


Contraction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class _NMProduct(torch.autograd.Function):
    """op(x, W*Mf) forward; op's input gradient with W*Mb; dense weight gradient."""

    @staticmethod
    def forward(ctx, x, weight, mf, mb, decay, op):  # type: ignore[override]
        ctx.save_for_backward(x, weight, mf, mb)
        ctx.decay, ctx.op = decay, op
        return op(x, weight * mf)

    @staticmethod
    def backward(ctx, grad):  # type: ignore[override]
        x, weight, mf, mb = ctx.saved_tensors
        op = ctx.op
        dx = dw = None
        with torch.enable_grad():
            if ctx.needs_input_grad[0]:
                xd = x.detach().requires_grad_(True)
                (dx,) = torch.autograd.grad(op(xd, (weight * mb).detach()), xd, grad)
            if ctx.needs_input_grad[1]:
                wf = (weight * mf).detach().requires_grad_(True)
                (dw,) = torch.autograd.grad(op(x.detach(), wf), wf, grad)
                if ctx.decay:
                    dw = dw + ctx.decay * (1 - mf) * weight
        return dx, dw, None, None, None, None


class SparseState:
    """The masks of one layer and how they are made (kept on the layer as `sat_state`)."""

    def __init__(self, weight: torch.Tensor, config: SatConfig, name: str) -> None:
        self.config = config
        self.name = name
        self.calls = 0
        self.what = f"Layer {name!r}"
        self.update(weight)

    def update(self, weight: torch.Tensor) -> None:
        """Recompute Mf and Mb from the current dense weight."""
        c, w = self.config, weight.detach()
        if c.transposable:
            self.mf = masks.transposable_mask(w, c.pattern, c.criterion, self.what)
            self.mb = self.mf
            return
        self.mf = masks.forward_mask(w, c.pattern, c.criterion, self.what)
        if c.method == "srste":
            self.mb = self.mf
        else:
            if c.backward_from == "masked":  # Mb is N:M of W * Mf, so a subset of Mf
                mb = masks.backward_mask(w * self.mf, c.pattern, c.criterion, self.what)
                self.mb = mb * self.mf
            else:
                self.mb = masks.backward_mask(w, c.pattern, c.criterion, self.what)

    def apply(
        self, x: torch.Tensor, weight: torch.Tensor, op: Contraction, training: bool
    ) -> torch.Tensor:
        """op(x, W) with this layer's masks (refreshing them when due in training)."""
        if training and torch.is_grad_enabled():
            if self.calls and self.calls % self.config.refresh == 0:
                self.update(weight)
            self.calls += 1
        mf, mb = self.mf.to(weight), self.mb.to(weight)
        return _NMProduct.apply(x, weight, mf, mb, float(self.config.decay), op)

    @property
    def format(self) -> WeightFormat:
        """The weight format of the trained layer (its forward weights are N:M)."""
        return WeightFormat.sparse(self.config.pattern.n, self.config.pattern.m)

    def masked(self, weight: torch.Tensor) -> torch.Tensor:
        """The weight the forward pass uses (what inference and export keep)."""
        return weight * self.mf.to(weight)


SUPPORTED = (nn.Linear, nn.Conv1d, nn.Conv2d)
UNSUPPORTED = (
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
    nn.Conv3d,
    nn.RNNBase,
    nn.Bilinear,
    nn.MultiheadAttention,
)
"""Layer types with a weight matrix product that `sparsify` and `prune` cannot mask: an
error names such a layer unless `skip` lists it (other modules, norms and embeddings among
them, have no N:M product and stay dense)."""


def _layer(name: str) -> str:
    return f"Layer {name!r}" if name else "The top-level module"


def _check_layer(name: str, module: nn.Module, pattern: NMPattern) -> None:
    if isinstance(module, UNSUPPORTED):
        raise SparsityError(
            f"{_layer(name)} is a {type(module).__name__}, which sparsify does not support (it "
            "masks Linear, Conv1d and Conv2d weights); list it in skip= to keep it dense."
        )
    if isinstance(module, nn.Conv1d | nn.Conv2d):
        per_group = module.in_channels // module.groups
        if per_group == 1:
            raise SparsityError(
                f"{_layer(name)} is a depthwise convolution (one input channel per group), which "
                f"has no group of M={pattern.m} input channels; list it in skip= to keep it dense."
            )
        if per_group % pattern.m:
            raise SparsityError(
                f"{_layer(name)} has {per_group} input channels per group, not a multiple of "
                f"M={pattern.m}; choose an M that divides it or list it in skip= to keep it dense."
            )
    elif module.in_features % pattern.m:
        raise SparsityError(
            f"{_layer(name)} has {module.in_features} inputs, not a multiple of M={pattern.m}; "
            f"choose an M that divides it or list it in skip= to keep it dense."
        )


def _contraction(module: nn.Module) -> Contraction:
    if isinstance(module, nn.Linear):
        return F.linear
    return lambda x, w: module._conv_forward(x, w, None)  # type: ignore[operator]


def _sparse_forward(self: nn.Module, x: torch.Tensor) -> torch.Tensor:
    y = self.sat_state.apply(x, self.weight, _contraction(self), self.training)
    if self.bias is None:
        return y
    shape = (-1,) if isinstance(self, nn.Linear) else (-1,) + (1,) * (y.dim() - 2)
    return y + self.bias.reshape(shape)


def sparse_layers(module: nn.Module) -> dict[str, nn.Module]:
    """The layers of `module` that `sparsify` prepared, by name."""
    return {n: m for n, m in module.named_modules() if hasattr(m, "sat_state")}


def sparsify_module(module: nn.Module, config: SatConfig, skip: Iterable[str] = ()) -> nn.Module:
    """`sparsify` for a torch module (in place; returned): every Linear, Conv1d and Conv2d
    whose name is not in `skip` gets masks and a forward that uses them. A `SparsityError`
    names a layer that cannot take the pattern, or whose type has a weight product this
    does not support (UNSUPPORTED: transposed and 3-D convolutions, recurrent layers,
    Bilinear, MultiheadAttention); other modules (norms, embeddings, ...) are left dense."""
    skipped = set(skip)
    unknown = skipped - {n for n, _ in module.named_modules()}
    if unknown:
        raise SparsityError(f"sparsify(skip=...) names no layer {sorted(unknown)} of the module.")
    if config.method == "dense":
        return module
    for name, layer in module.named_modules():
        if name in skipped or not isinstance(layer, SUPPORTED + UNSUPPORTED):
            continue
        _check_layer(name, layer, config.pattern)
        layer.sat_state = SparseState(layer.weight, config, name)
        layer.forward = types.MethodType(_sparse_forward, layer)
    return module


def refresh_masks(module: nn.Module) -> None:
    """Recompute every sparse layer's masks from its current dense weight now."""
    for layer in sparse_layers(module).values():
        layer.sat_state.update(layer.weight)


def strip(module: nn.Module) -> nn.Module:
    """Write each sparse layer's forward-masked weight into the layer and give it back its
    ordinary forward (in place): an inference model whose weights are N:M."""
    with torch.no_grad():
        for layer in sparse_layers(module).values():
            layer.weight.copy_(layer.sat_state.masked(layer.weight))
            del layer.forward
            del layer.sat_state
    return module


def prune(
    module: nn.Module,
    pattern: str | NMPattern = "2:8",
    *,
    skip: Iterable[str] = (),
    criterion: masks.Criterion = "l1",
) -> nn.Module:
    """One-shot magnitude pruning after training (in place): every supported layer not in
    `skip` keeps the N largest of every M weights along its reduction axis."""
    p = NMPattern.parse(pattern)
    skipped = set(skip)
    with torch.no_grad():
        for name, layer in module.named_modules():
            if name in skipped or not isinstance(layer, SUPPORTED + UNSUPPORTED):
                continue
            _check_layer(name, layer, p)
            layer.weight.mul_(masks.forward_mask(layer.weight, p, criterion, f"Layer {name!r}"))
    return module
