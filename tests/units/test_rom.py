"""What the resource model reads from ROM images (`units/rom.py`): live bits of a logic ROM,
the folded requant lanes of a MAC unit's epilogue, and the terms that price them."""

from __future__ import annotations

import pytest

from fpgaforge.units.cost import resource_model as rm
from fpgaforge.units.rom import epilogue_contents, hex_word, live_bits, rq_words


def words_of(columns: list[list[int]]) -> list[str]:
    """ROM words (hex) whose bit b over the words is columns[b]."""
    depth = len(columns[0])
    return [
        hex_word([sum(col[i] << b for b, col in enumerate(columns))], len(columns))
        for i in range(depth)
    ]


RANDOM_A = [1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0]
RANDOM_B = [0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0]


def test_constant_and_address_bits_cost_nothing() -> None:
    """Constant columns (0 or 1), copies of an address bit and of its complement are free;
    two different content columns are two live bits."""
    addr0 = [i & 1 for i in range(16)]
    addr2 = [(i >> 2) & 1 for i in range(16)]
    cols = [
        [0] * 16,
        [1] * 16,
        addr0,
        [1 - v for v in addr2],
        RANDOM_A,
        RANDOM_B,
    ]
    assert live_bits(words_of(cols), len(cols)) == 2


def test_repeated_and_inverted_columns_count_once() -> None:
    """A column repeated (a sign extension) or inverted is read by the same logic: one bit."""
    cols = [RANDOM_A, RANDOM_A, [1 - v for v in RANDOM_A], RANDOM_A]
    assert live_bits(words_of(cols), len(cols)) == 1


def test_fields_count_their_own_columns() -> None:
    """With fields (one per lane) a column equal in two lanes is live in each: the lanes'
    tables feed separate logic."""
    cols = [RANDOM_A, RANDOM_B, RANDOM_A, RANDOM_B]
    assert live_bits(words_of(cols), 4) == 2
    assert live_bits(words_of(cols), 4, fields=2) == 4


def test_every_bit_live_without_structure() -> None:
    """A table of distinct, unstructured columns has every bit live, so the content-aware
    cost is the structural one; one word (or none) has no live bit."""
    import numpy as np

    rng = np.random.default_rng(0)
    cols = [list(rng.integers(0, 2, 64)) for _ in range(24)]
    words = words_of(cols)
    assert live_bits(words, 24) == 24
    assert rm.rom_luts(live_bits(words, 24), 64) == rm.rom_luts(24, 64)
    assert live_bits(words[:1], 24) == 0 and live_bits([], 24) == 0


def rq_table(shifts: list[int], lanes: int) -> list[str]:
    mults = [1000 + 37 * c for c in range(len(shifts))]
    return rq_words(mults, shifts, lanes, 16, 8)


def bias_table(channels: int, lanes: int) -> list[str]:
    return [
        hex_word([(-1) ** c * (100 + 13 * c) for c in range(g * lanes, (g + 1) * lanes)], 24)
        for g in range(channels // lanes)
    ]


def test_folded_lanes() -> None:
    """A lane's shift folds when it is one constant over the table, or when the table is
    short (<= 8 words); a lane whose shift varies over a long table does not."""
    lanes, channels = 2, 32  # 16 words
    shifts = [9 + (c % 3 if c % 2 else 0) for c in range(channels)]  # lane 0 constant
    got = epilogue_contents(
        bias_table(channels, lanes), 24, rq_table(shifts, lanes), 24, 8, lanes, True
    )
    assert got["FOLDED_LANES"] == 1
    assert 0 < got["RQ_LIVE"] <= lanes * 24 and 0 < got["BIAS_LIVE"] <= lanes * 24
    short = epilogue_contents(
        bias_table(16, lanes), 24, rq_table(shifts[:16], lanes), 24, 8, lanes, True
    )
    assert short["FOLDED_LANES"] == lanes  # 8 words
    off = epilogue_contents(bias_table(channels, lanes), 24, [], 24, 8, lanes, False)
    assert off["RQ_LIVE"] == 0


def mvau_params(**extra: int) -> dict[str, int]:
    return {
        "MH": 64, "MW": 64, "PE": 4, "SIMD": 16, "IN_W": 8, "WT_W": 8, "ACC_W": 24,
        "OUT_W": 8, "RQ_EN": 1, "MULT_W": 16, "SHIFT_W": 8, "DSP_PACK": 1, **extra,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("module", "extra"), [("ff_mvau", {}), ("ff_sparse_mvau", {"N": 2, "M": 8, "SIMD": 16})]
)
def test_terms_read_the_contents(module: str, extra: dict[str, int]) -> None:
    """Without contents a MAC unit prices every table bit and a variable shift in every lane;
    with them the tables count their live bits and folded lanes cost `folded_lanes`."""
    p = mvau_params(**extra)
    plain = rm.rtl_unit_terms(module, p).lut
    assert plain["epilogue_lanes"] == 4 and plain["folded_lanes"] == 0
    assert plain["rom_luts"] == 4 * (24 + 24)  # 16 words: one LUT6 per bit
    contents = {"BIAS_LIVE": 30, "RQ_LIVE": 6, "FOLDED_LANES": 3}
    seen = rm.rtl_unit_terms(module, {**p, **contents}).lut
    assert seen["epilogue_lanes"] == 1 and seen["folded_lanes"] == 3
    assert seen["rom_luts"] == 36
    lut_plain, _ = rm.rtl_unit(module, p)
    lut_seen, _ = rm.rtl_unit(module, {**p, **contents})
    lanes = rm.coef("rtl", module, "epilogue_lanes") - rm.coef("rtl", module, "folded_lanes")
    assert lut_plain - lut_seen == pytest.approx((4 * 48 - 36) + 3 * lanes)
    assert lut_seen < lut_plain
