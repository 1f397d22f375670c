"""TiledGemmLayer's cycle model with the SAT array's row split (`splits`)."""

from __future__ import annotations

from fpgaforge.units.tiled_gemm.cost import TiledGemmLayer


def _layer(**kw) -> TiledGemmLayer:
    base = dict(m=1000, k=16, n=576, groups=1, weight_bits=8, act_bits=8, acc_bits=24,
                out_bits=8, in_elements=16000, out_elements=576000, rows=128, cols=64,
                m_tile=4096)  # fmt: skip
    return TiledGemmLayer(**{**base, **kw})


def test_split_folds_and_cycles():
    """16 stored reduction rows on 128 rows: whole, 9 column tiles of one (mostly empty) row
    tile; split in 4, segments of 32 rows and 256 outputs: 3 folds, each pass keeping the
    whole array's fill and drain."""
    whole, split = _layer(), _layer(splits=4)
    assert whole.folds == 9 and split.folds == 3
    per_pass = 1000 + 128 + 64 - 2
    assert whole.compute_cycles() == 9 * per_pass + 128
    assert split.compute_cycles() == 3 * per_pass + 128
