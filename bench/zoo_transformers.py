"""The transformer rows of `bench/zoo_flow.py`: two PyTorch models with seeded weights,
imported through the dynamo exporter (`fpgaforge.from_torch(..., exporter="dynamo")`).

- `transformer_encoder`: 2 post-norm encoder layers, d_model 64, 4 heads, sequence 16,
  feed-forward 256 with GELU; input 1 × 16 × 64.
- `vit_tiny`: a ViT-style classifier: a patch-embedding Conv (8 × 8 patches of a 3 × 32 × 32
  image, 16 tokens of 64), a learned position embedding, the same 2 encoder layers, mean
  pooling over the tokens and a linear head of 10 classes.

The attention is written batch first (Q, K, V projections, heads as axis 1, Q·K^T, Softmax,
A·V), the layout `torch.nn.functional.scaled_dot_product_attention` users write; the
encoder layer is `torch.nn.TransformerEncoderLayer`'s post-norm arithmetic.
"""

from __future__ import annotations

D_MODEL, HEADS, SEQ, D_FF, LAYERS = 64, 4, 16, 256, 2
PATCH, IMAGE, CLASSES = 8, 32, 10
MODELS = ("transformer_encoder", "vit_tiny")


def _modules():
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self, d: int, heads: int) -> None:
            super().__init__()
            self.heads = heads
            self.q, self.k, self.v, self.out = (nn.Linear(d, d) for _ in range(4))

        def forward(self, x):
            b, t, d = x.shape
            h, dh = self.heads, d // self.heads

            def split(proj):
                return proj(x).reshape(b, t, h, dh).transpose(1, 2)

            scores = split(self.q) @ split(self.k).transpose(-1, -2) * dh**-0.5
            context = torch.softmax(scores, dim=-1) @ split(self.v)
            return self.out(context.transpose(1, 2).reshape(b, t, d))

    class EncoderLayer(nn.Module):
        def __init__(self, d: int, heads: int, d_ff: int) -> None:
            super().__init__()
            self.attn = Attention(d, heads)
            self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.ff = nn.Sequential(nn.Linear(d, d_ff), nn.GELU(), nn.Linear(d_ff, d))

        def forward(self, x):
            x = self.norm1(x + self.attn(x))
            return self.norm2(x + self.ff(x))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.Sequential(
                *(EncoderLayer(D_MODEL, HEADS, D_FF) for _ in range(LAYERS))
            )

        def forward(self, x):
            return self.layers(x)

    class ViT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            tokens = (IMAGE // PATCH) ** 2
            self.embed = nn.Conv2d(3, D_MODEL, PATCH, stride=PATCH)
            self.position = nn.Parameter(0.02 * torch.randn(1, tokens, D_MODEL))
            self.encoder = Encoder()
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, x):
            grid = self.embed(x)
            b, d, h, w = grid.shape
            tokens = grid.flatten(2).transpose(1, 2) + self.position
            encoded = self.encoder(tokens).transpose(1, 2).reshape(b, d, h, w)
            return self.head(encoded.mean(dim=(2, 3)))

    return Encoder, ViT


def load_model(name: str):
    """The fpgaforge graph of transformer row `name` (seeded weights, dynamo export)."""
    import torch

    import fpgaforge

    encoder, vit = _modules()
    torch.manual_seed(0)
    if name == "transformer_encoder":
        module, example = encoder(), torch.randn(1, SEQ, D_MODEL)
    elif name == "vit_tiny":
        module, example = vit(), torch.randn(1, 3, IMAGE, IMAGE)
    else:
        raise ValueError(f"no transformer row {name!r}; choose one of {', '.join(MODELS)}")
    return fpgaforge.from_torch(module, example, name=name, exporter="dynamo")
