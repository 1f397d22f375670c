"""Mamba-2 in plain PyTorch (CPU, no custom kernels): the reference model.

`Mamba2LM(config)` is a language model with the state-spaces module layout and
parameter names (`backbone.layers.0.mixer.in_proj.weight`, ...):

- `forward(tokens)` runs whole sequences [B, L] (the SSM in its quadratic "SSD"
  form: y_t = sum_{s<=t} exp(a_{s+1} + ... + a_t) (C_t . B_s) dt_s x_s), optionally
  from and to a recurrent state;
- `step(token, state)` runs one token [B] of decode with the state carried
  explicitly, the recurrence of `Mamba2.step`:
  dt = softplus(dt + dt_bias), h = exp(dt A) h + dt x B^T, y = C h + D x.

Both give the same outputs; `tests/models/test_mamba2.py` checks it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fpgaforge.models.config import Mamba2Config

State = list[tuple[torch.Tensor, torch.Tensor]]
"""Per layer: (conv state [B, conv_dim, d_conv-1], ssm state [B, H, P, N])."""


class RMSNorm(nn.Module):
    """RMSNorm over groups of `group_size` channels; gated: RMSNorm(x * silu(z))."""

    def __init__(self, dim: int, eps: float = 1e-5, group_size: int = 0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps, self.group_size = eps, group_size or dim

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        if z is not None:
            x = x * F.silu(z)
        shape = x.shape
        g = x.reshape(*shape[:-1], shape[-1] // self.group_size, self.group_size)
        g = g * torch.rsqrt(g.pow(2).mean(-1, keepdim=True) + self.eps)
        return g.reshape(shape) * self.weight


class Mamba2Mixer(nn.Module):
    def __init__(self, cfg: Mamba2Config) -> None:
        super().__init__()
        self.cfg = cfg
        self.in_proj = nn.Linear(cfg.d_model, cfg.d_in_proj, bias=False)
        self.conv1d = nn.Conv1d(
            cfg.conv_dim, cfg.conv_dim, cfg.d_conv, groups=cfg.conv_dim, padding=cfg.d_conv - 1
        )
        h = cfg.nheads
        dt = torch.exp(torch.rand(h) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
        self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))  # softplus^-1
        self.A_log = nn.Parameter(torch.log(torch.empty(h).uniform_(1, 16)))
        self.D = nn.Parameter(torch.ones(h))
        self.norm = RMSNorm(cfg.d_inner, cfg.eps, cfg.d_inner // cfg.ngroups)
        self.out_proj = nn.Linear(cfg.d_inner, cfg.d_model, bias=False)

    def _split(self, zxbcdt: torch.Tensor):
        c = self.cfg
        return torch.split(zxbcdt, [c.d_inner, c.conv_dim, c.nheads], dim=-1)

    def _heads(self, xbc: torch.Tensor):
        c = self.cfg
        x, b, cc = torch.split(xbc, [c.d_inner, c.ngroups * c.d_state, c.ngroups * c.d_state], -1)
        lead = x.shape[:-1]
        x = x.reshape(*lead, c.nheads, c.headdim)
        rep = c.nheads // c.ngroups
        b = b.reshape(*lead, c.ngroups, c.d_state).repeat_interleave(rep, dim=-2)
        cc = cc.reshape(*lead, c.ngroups, c.d_state).repeat_interleave(rep, dim=-2)
        return x, b, cc

    def forward(self, u: torch.Tensor, state=None):
        """u [B, L, D] -> (y [B, L, D], (conv state, ssm state) after the last token)."""
        c = self.cfg
        batch, length, _ = u.shape
        z, xbc, dt = self._split(self.in_proj(u))
        k = c.d_conv
        past = torch.zeros(batch, c.conv_dim, k - 1, dtype=u.dtype) if state is None else state[0]
        seq = torch.cat([past, xbc.transpose(1, 2)], dim=2)
        conv_state = seq[:, :, seq.shape[2] - (k - 1) :]
        w = self.conv1d.weight  # [C, 1, K]
        conv = F.conv1d(seq, w, self.conv1d.bias, groups=c.conv_dim)  # [B, C, L]
        x, b, cc = self._heads(F.silu(conv.transpose(1, 2)))  # [B,L,H,P], [B,L,H,N]
        a = -torch.exp(self.A_log.float())
        dt = F.softplus(dt + self.dt_bias)  # [B, L, H]
        loga = dt * a  # [B, L, H]
        cum = torch.cumsum(loga, dim=1)  # [B, L, H]
        seg = cum[:, :, None, :] - cum[:, None, :, :]  # [B, t, s, H]
        mask = torch.tril(torch.ones(length, length, dtype=torch.bool))[None, :, :, None]
        decay = torch.exp(torch.where(mask, seg, torch.full_like(seg, -torch.inf)))
        scores = torch.einsum("bthn,bshn->btsh", cc, b)
        xdt = x * dt[..., None]  # [B, L, H, P]
        y = torch.einsum("btsh,bshp->bthp", scores * decay, xdt)
        last = torch.exp(cum[:, -1:, :] - cum)  # [B, s, H]
        h = torch.einsum("bsh,bshp,bshn->bhpn", last, xdt, b)
        if state is not None:
            h0 = state[1]
            y = y + torch.einsum("bthn,bhpn->bthp", cc, h0) * torch.exp(cum)[..., None]
            h = h + h0 * torch.exp(cum[:, -1, :])[:, :, None, None]
        y = y + x * self.D[:, None]
        y = self.norm(y.reshape(batch, length, c.d_inner), z)
        return self.out_proj(y), (conv_state, h)

    def step(self, u: torch.Tensor, conv_state: torch.Tensor, ssm_state: torch.Tensor):
        """u [B, D] -> (y [B, D], new conv state, new ssm state)."""
        c = self.cfg
        z, xbc, dt = self._split(self.in_proj(u))
        full = torch.cat([conv_state, xbc[:, :, None]], dim=2)  # [B, C, K]
        xbc = (full * self.conv1d.weight[:, 0, :]).sum(-1) + self.conv1d.bias
        x, b, cc = self._heads(F.silu(xbc))  # [B,H,P], [B,H,N]
        a = -torch.exp(self.A_log.float())
        dt = F.softplus(dt + self.dt_bias)  # [B, H]
        da = torch.exp(dt * a)
        h = ssm_state * da[:, :, None, None] + (dt[:, :, None] * x)[..., None] * b[:, :, None, :]
        y = (h * cc[:, :, None, :]).sum(-1) + self.D[:, None] * x
        y = self.norm(y.reshape(-1, c.d_inner), z)
        return self.out_proj(y), full[:, :, 1:], h


class Block(nn.Module):
    def __init__(self, cfg: Mamba2Config) -> None:
        super().__init__()
        self.norm = RMSNorm(cfg.d_model, cfg.eps)
        self.mixer = Mamba2Mixer(cfg)


class Backbone(nn.Module):
    def __init__(self, cfg: Mamba2Config) -> None:
        super().__init__()
        self.embedding = nn.Embedding(cfg.vocab, cfg.d_model)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm_f = RMSNorm(cfg.d_model, cfg.eps)


class Mamba2LM(nn.Module):
    """A Mamba-2 language model: embedding, n_layer pre-norm Mamba-2 blocks, final
    RMSNorm and a (tied) LM head."""

    def __init__(self, cfg: Mamba2Config) -> None:
        super().__init__()
        self.cfg = cfg
        self.backbone = Backbone(cfg)
        self.lm_head = nn.Linear(cfg.d_model, cfg.vocab, bias=False)
        nn.init.normal_(self.backbone.embedding.weight, std=0.02)
        for layer in self.backbone.layers:  # residual branches scaled as in the checkpoints
            with torch.no_grad():
                layer.mixer.out_proj.weight /= math.sqrt(cfg.n_layer)
        if cfg.tie_embeddings:
            self.lm_head.weight = self.backbone.embedding.weight

    def init_state(self, batch: int = 1) -> State:
        c = self.cfg
        return [
            (
                torch.zeros(batch, c.conv_dim, c.d_conv - 1),
                torch.zeros(batch, c.nheads, c.headdim, c.d_state),
            )
            for _ in range(c.n_layer)
        ]

    def forward(self, tokens: torch.Tensor, state: State | None = None, return_state=False):
        """tokens [B, L] -> logits [B, L, vocab] (and the state after the last token)."""
        x = self.backbone.embedding(tokens)
        new: State = []
        for i, layer in enumerate(self.backbone.layers):
            y, s = layer.mixer(layer.norm(x), None if state is None else state[i])
            x = x + y
            new.append(s)
        logits = self.lm_head(self.backbone.norm_f(x))
        return (logits, new) if return_state else logits

    def step(self, token: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """token [B] -> (logits [B, vocab], the new state)."""
        x = self.backbone.embedding(token)
        new: State = []
        for (conv, ssm), layer in zip(state, self.backbone.layers, strict=True):
            y, conv, ssm = layer.mixer.step(layer.norm(x), conv, ssm)
            x = x + y
            new.append((conv, ssm))
        return self.lm_head(self.backbone.norm_f(x)), new

    def numpy_weights(self) -> dict[str, np.ndarray]:
        """The weights by checkpoint name (as `fpgaforge.models.step_graph` takes them)."""
        out = {k: v.detach().cpu().numpy() for k, v in self.state_dict().items()}
        if self.cfg.tie_embeddings:
            out.pop("lm_head.weight", None)
        return out
