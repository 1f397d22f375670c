"""Mamba-2 configurations: the public checkpoints' shapes and tiny ones for tests.

The checkpoint numbers are those of the state-spaces `mamba2-*` config.json files
(d_model, n_layer, vocab_size 50277 padded to a multiple of 16) with the `Mamba2`
layer defaults (d_state 128, d_conv 4, expand 2, headdim 64, ngroups 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from fpgaforge.errors import UsageError


@dataclass(frozen=True)
class Mamba2Config:
    """Shapes of a Mamba-2 language model."""

    d_model: int
    n_layer: int
    vocab_size: int
    d_state: int = 128
    d_conv: int = 4
    expand: int = 2
    headdim: int = 64
    ngroups: int = 1
    pad_vocab_size_multiple: int = 16
    eps: float = 1e-5
    tie_embeddings: bool = True

    def __post_init__(self) -> None:
        if self.d_inner % self.headdim:
            raise UsageError(f"d_inner {self.d_inner} is not a multiple of headdim {self.headdim}.")
        if self.nheads % self.ngroups:
            raise UsageError(f"{self.nheads} heads do not divide into {self.ngroups} groups.")

    @property
    def d_inner(self) -> int:
        return self.expand * self.d_model

    @property
    def nheads(self) -> int:
        return self.d_inner // self.headdim

    @property
    def conv_dim(self) -> int:
        return self.d_inner + 2 * self.ngroups * self.d_state

    @property
    def d_in_proj(self) -> int:
        return 2 * self.d_inner + 2 * self.ngroups * self.d_state + self.nheads

    @property
    def vocab(self) -> int:
        """The vocabulary padded to a multiple of `pad_vocab_size_multiple`."""
        m = self.pad_vocab_size_multiple
        return -(-self.vocab_size // m) * m

    def parameter_count(self) -> int:
        per_layer = (
            self.d_model  # norm
            + self.d_model * self.d_in_proj
            + self.conv_dim * (self.d_conv + 1)
            + 3 * self.nheads  # dt_bias, A_log, D
            + self.d_inner  # gated norm
            + self.d_inner * self.d_model
        )
        head = 0 if self.tie_embeddings else self.vocab * self.d_model
        return self.vocab * self.d_model + self.n_layer * per_layer + self.d_model + head


def _checkpoint(d_model: int, n_layer: int) -> Mamba2Config:
    return Mamba2Config(d_model=d_model, n_layer=n_layer, vocab_size=50277)


CONFIGS: dict[str, Mamba2Config] = {
    "mamba2-130m": _checkpoint(768, 24),
    "mamba2-370m": _checkpoint(1024, 48),
    "mamba2-780m": _checkpoint(1536, 48),
    "mamba2-1.3b": _checkpoint(2048, 48),
    "mamba2-2.7b": _checkpoint(2560, 64),
    "mamba2-tiny": Mamba2Config(
        d_model=64, n_layer=2, vocab_size=96, d_state=16, headdim=16, pad_vocab_size_multiple=8
    ),
    "mamba2-micro": Mamba2Config(
        d_model=16, n_layer=1, vocab_size=32, d_state=8, headdim=8, pad_vocab_size_multiple=8
    ),
}
"""Named configurations: the public checkpoints and tiny ones."""


def config(name: str) -> Mamba2Config:
    """The configuration called `name`; a UsageError lists the known names."""
    try:
        return CONFIGS[name]
    except KeyError:
        raise UsageError(
            f"Unknown Mamba-2 configuration {name!r}; known: {', '.join(CONFIGS)}."
        ) from None
