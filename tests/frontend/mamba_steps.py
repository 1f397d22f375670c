"""Two independent decode-step formulations of a Mamba-2 block, for import tests.

`OursStep` wraps `fpgaforge.models.mamba2.Mamba2Mixer.step` (broadcast Mul and
ReduceSum, torch's softplus, division by sqrt in the norm). `MinimalStep` is a
plain-torch rewrite in the style of state-spaces `Mamba2.step` and mamba-minimal:
einsum for the state update and the C reduction, softplus spelled with
Greater/Where, SiLU as x * sigmoid(x), RMSNorm as x * reciprocal(sqrt(mean(x^2) + eps)),
the residual RMSNorm in front, and the weights held as plain parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from fpgaforge.models.config import Mamba2Config
from fpgaforge.models.mamba2 import Mamba2Mixer, RMSNorm


class OursStep(nn.Module):
    def __init__(self, cfg: Mamba2Config) -> None:
        super().__init__()
        self.norm = RMSNorm(cfg.d_model, cfg.eps)
        self.mixer = Mamba2Mixer(cfg)

    def forward(self, u, conv_state, ssm_state):
        y, conv_state, ssm_state = self.mixer.step(self.norm(u), conv_state, ssm_state)
        return u + y, conv_state, ssm_state


def _softplus(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 20.0, x, torch.log(1.0 + torch.exp(x)))


def _silu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


def _rmsnorm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.reciprocal(torch.sqrt(torch.mean(x.pow(2), dim=-1, keepdim=True) + eps)) * w


class MinimalStep(nn.Module):
    """One Mamba-2 block, decode step (ngroups = 1)."""

    def __init__(self, cfg: Mamba2Config, seed: int = 1) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.cfg = cfg

        def p(*shape: int, scale: float = 0.2) -> nn.Parameter:
            return nn.Parameter(torch.randn(*shape, generator=g) * scale)

        self.norm_w = nn.Parameter(1 + 0.1 * torch.randn(cfg.d_model, generator=g))
        self.w_in = p(cfg.d_in_proj, cfg.d_model)
        self.conv_w = p(cfg.conv_dim, cfg.d_conv, scale=0.5)
        self.conv_b = p(cfg.conv_dim)
        self.dt_bias = p(cfg.nheads)
        self.a_log = nn.Parameter(torch.rand(cfg.nheads, generator=g) * 2 - 1)
        self.d = p(cfg.nheads, scale=1.0)
        self.gnorm_w = nn.Parameter(1 + 0.1 * torch.randn(cfg.d_inner, generator=g))
        self.w_out = p(cfg.d_model, cfg.d_inner)

    def forward(self, u, conv_state, ssm_state):
        c = self.cfg
        zxbcdt = _rmsnorm(u, self.norm_w, c.eps) @ self.w_in.t()
        z = zxbcdt[:, : c.d_inner]
        xbc = zxbcdt[:, c.d_inner : c.d_inner + c.conv_dim]
        dt = zxbcdt[:, c.d_inner + c.conv_dim :]
        window = torch.cat([conv_state, xbc.unsqueeze(-1)], dim=-1)
        xbc = _silu(torch.einsum("bck,ck->bc", window, self.conv_w) + self.conv_b)
        x = xbc[:, : c.d_inner].reshape(-1, c.nheads, c.headdim)
        b = xbc[:, c.d_inner : c.d_inner + c.d_state]
        cc = xbc[:, c.d_inner + c.d_state :]
        dt = _softplus(dt + self.dt_bias)
        da = torch.exp(dt * -torch.exp(self.a_log))
        dbx = torch.einsum("bh,bn,bhp->bhpn", dt, b, x)
        h = ssm_state * da.unsqueeze(-1).unsqueeze(-1) + dbx
        y = torch.einsum("bhpn,bn->bhp", h, cc) + self.d.unsqueeze(-1) * x
        y = y.reshape(-1, c.d_inner) * _silu(z)
        y = _rmsnorm(y, self.gnorm_w, c.eps) @ self.w_out.t()
        return u + y, window[:, :, 1:], h
