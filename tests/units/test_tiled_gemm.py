"""TiledGemmLayer's cycle model with the SAT array's row split (`splits`) and overlapping
passes (`overlap`)."""

from __future__ import annotations

from dataclasses import replace

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


def test_overlapping_passes_drain_once():
    """The SAT array's overlapping passes: each pass but the last takes max(m_c, rows,
    cols + 1) (8 on an 8 x 4 array, 9 on a 4 x 8 one), the last m_c + rows + cols - 2; one
    pass is the same either way."""
    gemm = TiledGemmLayer(
        m=100, k=40, n=10, groups=1, weight_bits=8, act_bits=8, acc_bits=24, out_bits=8,
        in_elements=4000, out_elements=1000, rows=8, cols=4, m_tile=30,
    )  # fmt: skip
    overlapped = replace(gemm, overlap=True)
    passes = [30, 30, 30, 10] * gemm.folds  # 5 row tiles x 3 column tiles, 4 chunks each
    assert gemm.folds == 15
    assert gemm.compute_cycles() == sum(m + 10 for m in passes) + 8
    assert overlapped.compute_cycles() == sum(max(m, 8) for m in passes[:-1]) + 10 + 10 + 8
    wide = replace(overlapped, m=100, rows=4, cols=8, m_tile=5)
    assert wide.compute_cycles() == 20 * wide.folds * 9 - 9 + 5 + 10 + 4
    single = replace(gemm, m=20, k=8, n=4)
    assert replace(single, overlap=True).compute_cycles() == single.compute_cycles() == 20 + 10 + 8
