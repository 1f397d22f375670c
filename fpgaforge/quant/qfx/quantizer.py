"""The QFX fixed-point quantizer: `ap_fixed<W, I>` with a learned binary point.

Forward: codes = ap_fixed cast of x (exactly as `fpgaforge.numerics.fixed.quantize`)
with I = round(int_bits), so training sees the hardware's numbers. Backward:
- w.r.t. x, straight-through inside the representable range, zero where the
  value saturated;
- w.r.t. the integer bits I (the binary point), the HGQ-style surrogate: inside
  the range ∂x̂/∂I = ln2·(x̂ − x) (since ∂x̂/∂f = −ln2·(x̂ − x) with f = W − I);
  for saturated values ∂x̂/∂I = ln2·x̂ (the range bound 2^(I−1) grows by ln2 per
  bit), so the loss can trade rounding error against clipping.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from fpgaforge.numerics import fixed_torch
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.types import Fixed

LN2 = math.log(2.0)


def fixed_values(x: torch.Tensor, t: Fixed) -> torch.Tensor:
    """Real values of `x` cast to `t` (float64), computed from the exact integer codes."""
    codes = fixed_torch.quantize(x.detach().to(torch.float64), t)
    return torch.ldexp(codes.to(torch.float64), torch.tensor(-t.frac_bits, dtype=torch.int64))


class _FixedCast(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, int_bits: torch.Tensor, t: Fixed) -> torch.Tensor:  # type: ignore[override]
        y = fixed_values(x, t)
        low, high = float(t.min_value), float(t.max_value)
        inside = (x >= low) & (x <= high)
        ctx.save_for_backward(x, y, inside)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        x, y, inside = ctx.saved_tensors
        grad_x = grad * inside.to(grad.dtype)
        surrogate = torch.where(inside, LN2 * (y - x.to(y.dtype)), LN2 * y)
        grad_bits = (grad * surrogate).sum().reshape(1)
        return grad_x, grad_bits, None


class FixedQuantizer(nn.Module):
    """Casts a tensor to `ap_fixed<width, round(int_bits)>`; `int_bits` is a trainable parameter."""

    def __init__(
        self,
        width: int,
        int_bits: float,
        *,
        rounding: Rounding = Rounding.RND,
        overflow: Overflow = Overflow.SAT,
        learn: bool = True,
    ) -> None:
        super().__init__()
        self.width = int(width)
        self.rounding = Rounding.coerce(rounding)
        self.overflow = Overflow.coerce(overflow)
        self.int_bits = nn.Parameter(
            torch.tensor([float(int_bits)], dtype=torch.float64), requires_grad=learn
        )

    @property
    def type(self) -> Fixed:
        """The current numeric type (integer bits rounded to the nearest integer)."""
        return Fixed(
            self.width,
            int(round(float(self.int_bits.detach()[0]))),
            True,
            self.rounding,
            self.overflow,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _FixedCast.apply(x.to(torch.float64), self.int_bits, self.type)

    def extra_repr(self) -> str:
        return f"{self.type}"
