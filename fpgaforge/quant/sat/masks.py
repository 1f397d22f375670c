"""N:M masks of torch weight tensors: 1-D top-N per group, and transposable masks.

A weight's *reduction axis* is the one its forward product sums over: axis 1 of a
Linear weight [out, in] and of a convolution weight [out, in/groups, *kernel] (groups
of M input channels at each kernel position). The forward mask keeps the N largest
scores in every group of M along that axis; the backward (transposed) mask does the
same along axis 0, the output dimension, which the activation-gradient product sums
over. A transposable mask is valid both ways: in every M x M block of the [out, in]
matrix (at each kernel position) it keeps at most N per row and per column.

The score of a weight is its magnitude: `criterion="l1"` ranks by |w|, `"l2"` by w^2
(the same order for 1-D masks; transposable blocks maximise the kept sum of the score,
so the two differ there), or a callable mapping the weight to a score tensor.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache

import torch

from fpgaforge.errors import SparsityError
from fpgaforge.numerics.nm import NMPattern

Criterion = str | Callable[[torch.Tensor], torch.Tensor]


def score(weight: torch.Tensor, criterion: Criterion = "l1") -> torch.Tensor:
    """The magnitude score masks rank weights by."""
    if callable(criterion):
        return criterion(weight)
    if criterion == "l1":
        return weight.abs()
    if criterion == "l2":
        return weight * weight
    raise SparsityError(f"Unknown mask criterion {criterion!r}; use 'l1', 'l2' or a callable.")


def topn_mask(
    weight: torch.Tensor,
    pattern: NMPattern,
    axis: int = 1,
    criterion: Criterion = "l1",
    *,
    pad: bool = False,
    what: str = "The weight",
) -> torch.Tensor:
    """A 0/1 mask (weight's dtype) keeping the N best of every M consecutive weights
    along `axis` (ties go to the lower position). Without `pad` M must divide that axis;
    with it the axis is zero-padded to a multiple of M (the last, shorter group keeps
    at most N)."""
    s = score(weight.detach(), criterion)
    moved = s.movedim(axis, -1)
    length = moved.shape[-1]
    rest = (-length) % pattern.m
    if rest and not pad:
        raise SparsityError(
            f"{what} has {length} weights along its reduction axis, not a multiple of "
            f"M={pattern.m}; choose an M that divides {length} or keep this layer dense "
            f"(sparsify(..., skip=[its name]))."
        )
    if rest:
        fill = torch.full((*moved.shape[:-1], rest), -1.0, dtype=moved.dtype, device=moved.device)
        moved = torch.cat([moved, fill], dim=-1)
    groups = moved.reshape(*moved.shape[:-1], -1, pattern.m)
    # a stable descending sort: ties keep the lower position
    order = torch.sort(groups, dim=-1, descending=True, stable=True).indices[..., : pattern.n]
    mask = torch.zeros_like(groups, dtype=torch.bool).scatter_(-1, order, True)
    mask = mask.reshape(*moved.shape)[..., :length]
    return mask.movedim(-1, axis).to(weight.dtype)


def forward_mask(
    weight: torch.Tensor, pattern: NMPattern, criterion: Criterion = "l1", what: str = "The weight"
) -> torch.Tensor:
    """N:M along the reduction (input) axis: the mask of the forward product."""
    return topn_mask(weight, pattern, 1, criterion, what=what)


def backward_mask(
    weight: torch.Tensor, pattern: NMPattern, criterion: Criterion = "l1", what: str = "The weight"
) -> torch.Tensor:
    """N:M along the output axis (zero-padded to a multiple of M): the mask of the
    activation-gradient product dX = dY (W * mask)."""
    return topn_mask(weight, pattern, 0, criterion, pad=True, what=what)


@lru_cache(maxsize=8)
def _block_patterns(n: int, m: int) -> torch.Tensor:
    """Every m x m 0/1 matrix with exactly n ones per row and per column (small m only)."""
    rows = [
        tuple(1 if j in c else 0 for j in range(m)) for c in itertools.combinations(range(m), n)
    ]
    found = [
        pick
        for pick in itertools.product(rows, repeat=m)
        if all(sum(r[j] for r in pick) == n for j in range(m))
    ]
    return torch.tensor(found, dtype=torch.float64)


def _greedy_blocks(scores: torch.Tensor, n: int, m: int) -> torch.Tensor:
    """Per block, take entries from the best score down while their row and column have
    fewer than n kept (every block at once)."""
    blocks = scores.shape[0]
    order = torch.argsort(scores.reshape(blocks, -1), dim=1, descending=True, stable=True)
    mask = torch.zeros(blocks, m * m, dtype=torch.bool)
    rows = torch.zeros(blocks, m, dtype=torch.long)
    cols = torch.zeros(blocks, m, dtype=torch.long)
    arange = torch.arange(blocks)
    for step in range(m * m):
        flat = order[:, step]
        r, c = flat // m, flat % m
        take = (rows[arange, r] < n) & (cols[arange, c] < n)
        mask[arange, flat] |= take
        rows[arange, r] += take.long()
        cols[arange, c] += take.long()
    return mask.reshape(blocks, m, m)


def transposable_mask(
    weight: torch.Tensor, pattern: NMPattern, criterion: Criterion = "l1", what: str = "The weight"
) -> torch.Tensor:
    """One mask that is N:M along both the input and the output axis: in every M x M
    block of [out, in] (at each kernel position) at most N per row and per column, chosen
    to keep the largest total score (exactly for M <= 4 by enumerating the block
    patterns, greedily otherwise). M must divide both axes."""
    n, m = pattern.n, pattern.m
    out, inp = weight.shape[0], weight.shape[1]
    if out % m or inp % m:
        raise SparsityError(
            f"{what} has shape {tuple(weight.shape)}; a transposable {pattern} mask needs M={m} "
            f"to divide both its output ({out}) and input ({inp}) sizes."
        )
    s = score(weight.detach(), criterion).double()
    kernel = s.shape[2:]
    # [out, in, *k] -> [k..., out/m, m, in/m, m] -> blocks [B, m, m]
    flat = s.reshape(out, inp, -1).permute(2, 0, 1)
    k = flat.shape[0]
    blocks = flat.reshape(k, out // m, m, inp // m, m).permute(0, 1, 3, 2, 4).reshape(-1, m, m)
    if m <= 4:
        patterns = _block_patterns(n, m)  # [P, m, m]
        gains = torch.einsum("bij,pij->bp", blocks, patterns)
        chosen = patterns[gains.argmax(dim=1)].bool()
    else:
        chosen = _greedy_blocks(blocks, n, m)
    mask = chosen.reshape(k, out // m, inp // m, m, m).permute(0, 1, 3, 2, 4).reshape(k, out, inp)
    return mask.permute(1, 2, 0).reshape(out, inp, *kernel).to(weight.dtype)


def is_nm(weight: torch.Tensor, pattern: NMPattern, axis: int = 1) -> bool:
    """True when `weight` has at most N non-zeros in every group of M along `axis`."""
    moved = weight.detach().movedim(axis, -1)
    if moved.shape[-1] % pattern.m:
        return False
    groups = moved.reshape(*moved.shape[:-1], -1, pattern.m)
    return bool(((groups != 0).sum(dim=-1) <= pattern.n).all())
