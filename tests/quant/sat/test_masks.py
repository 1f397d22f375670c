"""N:M masks: 1-D top-N, the backward (output-axis) mask and transposable masks."""

from __future__ import annotations

import pytest
import torch

from fpgaforge.errors import SparsityError
from fpgaforge.numerics.nm import NMPattern
from fpgaforge.quant.sat import masks


def test_forward_mask_keeps_top_n_per_group() -> None:
    w = torch.tensor([[0.1, -0.9, 0.5, 0.0, 2.0, -3.0, 0.2, 0.3]])
    mask = masks.forward_mask(w, NMPattern(2, 4))
    assert mask.tolist() == [[0, 1, 1, 0, 1, 1, 0, 0]]
    assert masks.is_nm(w * mask, NMPattern(2, 4), axis=1)


def test_conv_masks_group_input_channels() -> None:
    w = torch.randn(16, 8, 3, 3)
    p = NMPattern(2, 8)
    fwd = masks.forward_mask(w, p)
    assert torch.equal(fwd.sum(dim=1), torch.full((16, 3, 3), 2.0))
    bwd = masks.backward_mask(w, p)
    assert torch.equal(bwd.sum(dim=0), torch.full((8, 3, 3), 4.0))  # 2 per group of 8 outputs


def test_backward_mask_pads_output_axis() -> None:
    mask = masks.backward_mask(torch.randn(10, 16), NMPattern(2, 8))
    # outputs 0-7 keep 2, the padded group of outputs 8-9 keeps 2 as well
    assert torch.equal(mask.sum(dim=0), torch.full((16,), 4.0))
    with pytest.raises(SparsityError, match="not a multiple of M=8"):
        masks.forward_mask(torch.randn(4, 12), NMPattern(2, 8))


@pytest.mark.parametrize("pattern", [NMPattern(2, 4), NMPattern(2, 8), NMPattern(1, 4)])
def test_transposable_mask_is_nm_both_ways(pattern: NMPattern) -> None:
    w = torch.randn(16, 16)
    mask = masks.transposable_mask(w, pattern)
    assert masks.is_nm(w * mask, pattern, axis=0)
    assert masks.is_nm(w * mask, pattern, axis=1)
    if pattern.m == 4:  # exact: at least as good as the greedy choice
        greedy = masks._greedy_blocks(
            w.abs().double().reshape(4, 4, 4, 4).permute(0, 2, 1, 3).reshape(-1, 4, 4), pattern.n, 4
        )
        best = (w.abs() * mask).sum()
        greedy_mask = greedy.reshape(4, 4, 4, 4).permute(0, 2, 1, 3).reshape(16, 16)
        assert best >= (w.abs() * greedy_mask).sum() - 1e-9


def test_criterion_choices() -> None:
    w = torch.randn(4, 8)
    assert torch.equal(
        masks.forward_mask(w, NMPattern(2, 4), "l2"), masks.forward_mask(w, NMPattern(2, 4))
    )
    custom = masks.forward_mask(w, NMPattern(1, 4), lambda t: -t.abs())  # keeps the smallest
    assert torch.equal(custom.argmax(dim=1), (w.abs()[:, :4]).argmin(dim=1))
    with pytest.raises(SparsityError, match="criterion"):
        masks.forward_mask(w, NMPattern(1, 4), "l3")
