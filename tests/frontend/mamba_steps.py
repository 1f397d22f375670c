"""Two independent decode-step formulations of a Mamba-2 block, for import tests.

`OursStep` wraps `fpgaforge.models.mamba2.Mamba2Mixer.step` (broadcast Mul and
ReduceSum, torch's softplus, division by sqrt in the norm). `MinimalStep` is a
plain-torch rewrite in the style of state-spaces `Mamba2.step` and mamba-minimal:
einsum for the state update and the C reduction, softplus spelled with
Greater/Where, SiLU as x * sigmoid(x), RMSNorm as x * reciprocal(sqrt(mean(x^2) + eps)),
the residual RMSNorm in front, and the weights held as plain parameters. With
ngroups > 1 it repeats B and C to the heads with `expand` (head h reads group
h // (H/G), as Mamba-2 does) or, with `repeat="tile"`, with `Tensor.repeat` (head h
reads group h % G: a different model, which the import must keep as it is).
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
    """One Mamba-2 block, decode step."""

    def __init__(self, cfg: Mamba2Config, seed: int = 1, repeat: str = "expand") -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.cfg, self.repeat = cfg, repeat

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

    def _heads(self, v: torch.Tensor) -> torch.Tensor:
        """[N, G*S] -> [N, H, S], the groups repeated to the heads."""
        c = self.cfg
        rep = c.nheads // c.ngroups
        v = v.reshape(-1, c.ngroups, c.d_state)
        if self.repeat == "tile":
            return v.repeat(1, rep, 1)
        return v.unsqueeze(2).expand(-1, c.ngroups, rep, c.d_state).reshape(-1, c.nheads, c.d_state)

    def forward(self, u, conv_state, ssm_state):
        c = self.cfg
        zxbcdt = _rmsnorm(u, self.norm_w, c.eps) @ self.w_in.t()
        z = zxbcdt[:, : c.d_inner]
        xbc = zxbcdt[:, c.d_inner : c.d_inner + c.conv_dim]
        dt = zxbcdt[:, c.d_inner + c.conv_dim :]
        window = torch.cat([conv_state, xbc.unsqueeze(-1)], dim=-1)
        xbc = _silu(torch.einsum("bck,ck->bc", window, self.conv_w) + self.conv_b)
        x = xbc[:, : c.d_inner].reshape(-1, c.nheads, c.headdim)
        gs = c.ngroups * c.d_state
        b = xbc[:, c.d_inner : c.d_inner + gs]
        cc = xbc[:, c.d_inner + gs :]
        dt = _softplus(dt + self.dt_bias)
        da = torch.exp(dt * -torch.exp(self.a_log))
        if c.ngroups == 1:
            dbx = torch.einsum("bh,bn,bhp->bhpn", dt, b, x)
            h = ssm_state * da.unsqueeze(-1).unsqueeze(-1) + dbx
            y = torch.einsum("bhpn,bn->bhp", h, cc)
        else:
            b, cc = self._heads(b), self._heads(cc)
            dbx = torch.einsum("bh,bhn,bhp->bhpn", dt, b, x)
            h = ssm_state * da.unsqueeze(-1).unsqueeze(-1) + dbx
            y = torch.einsum("bhpn,bhn->bhp", h, cc)
        y = y + self.d.unsqueeze(-1) * x
        y = y.reshape(-1, c.d_inner) * _silu(z)
        y = _rmsnorm(y, self.gnorm_w, c.eps) @ self.w_out.t()
        return u + y, window[:, :, 1:], h


class Mamba1Step(nn.Module):
    """A Mamba-1 block, decode step (mamba-minimal): A is [d_inner, d_state] per channel,
    dt comes from a low-rank projection and the state is [N, d_inner, d_state]."""

    def __init__(self, d_model: int = 16, d_state: int = 8, d_conv: int = 4) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(3)
        d_inner, rank = 2 * d_model, 2
        self.sizes = (d_inner, d_state, rank)

        def p(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.randn(*shape, generator=g) * 0.3)

        self.w_in, self.conv_w, self.conv_b = (
            p(2 * d_inner, d_model),
            p(d_inner, d_conv),
            p(d_inner),
        )
        self.w_x, self.w_dt, self.dt_b = (
            p(rank + 2 * d_state, d_inner),
            p(d_inner, rank),
            p(d_inner),
        )
        self.a_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1.0)).repeat(d_inner, 1))
        self.d, self.w_out = p(d_inner), p(d_model, d_inner)

    def forward(self, u, conv_state, ssm_state):
        d_inner, d_state, rank = self.sizes
        x, z = (u @ self.w_in.t()).split(d_inner, dim=-1)
        window = torch.cat([conv_state, x.unsqueeze(-1)], dim=-1)
        x = _silu((window * self.conv_w).sum(-1) + self.conv_b)
        dt, b, c = (x @ self.w_x.t()).split([rank, d_state, d_state], dim=-1)
        dt = torch.nn.functional.softplus(dt @ self.w_dt.t() + self.dt_b)
        da = torch.exp(torch.einsum("bd,dn->bdn", dt, -torch.exp(self.a_log)))
        h = ssm_state * da + torch.einsum("bd,bn,bd->bdn", dt, b, x)
        y = torch.einsum("bdn,bn->bd", h, c) + self.d * x
        return u + (y * _silu(z)) @ self.w_out.t(), window[:, :, 1:], h
