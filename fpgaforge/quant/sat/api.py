"""`sparsify`: prepare a torch module or a QFX model for N:M sparse training."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fpgaforge.errors import SparsityError
from fpgaforge.numerics.nm import NMPattern
from fpgaforge.quant.qfx.model import QfxModel
from fpgaforge.quant.sat.qfx import sparsify_qfx
from fpgaforge.quant.sat.train import SatConfig, sparsify_module


def sparsify(
    module: Any,
    pattern: str | NMPattern = "2:8",
    method: str = "bdwp",
    *,
    skip: Iterable[str] = (),
    **options: Any,
) -> Any:
    """Prepare `module` (in place; returned) so that an ordinary torch loop trains it N:M
    sparse (docs/sat.md).

    `module` is a torch.nn.Module (its Linear, Conv1d and Conv2d layers; `skip` names
    modules to keep dense) or a `qfx.QfxModel` (its Dense and Conv nodes; `skip` names
    nodes). `method` is 'bdwp', 'srste' or 'dense'; `options` are the other `SatConfig`
    fields (refresh, decay, backward_from, transposable, criterion).
    """
    import torch

    config = SatConfig(NMPattern.parse(pattern), method, **options)
    if isinstance(module, QfxModel):
        return sparsify_qfx(module, config, skip)
    if isinstance(module, torch.nn.Module):
        return sparsify_module(module, config, skip)
    raise SparsityError(
        f"sparsify takes a torch.nn.Module or a QFX model, not {type(module).__name__}."
    )
