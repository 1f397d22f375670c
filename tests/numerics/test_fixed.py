"""Integer emulation of ap_fixed casts and arithmetic, against an exact Fraction oracle.

The oracle below is the textbook definition of each mode, written independently of
`fpgaforge.numerics.fixed`; tests/numerics/test_ap_fixed_headers.py proves both against
the real ap_fixed.h.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fpgaforge.numerics import fixed, fixed_torch, requant
from fpgaforge.numerics.errors import NumericTypeError
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.stats import OverflowStats
from fpgaforge.numerics.types import Fixed, Int


def ref_round(value: Fraction, rounding: Rounding) -> int:
    """The integer ``value`` rounds to under ``rounding`` (definition, not bit tricks)."""
    floor = math.floor(value)
    rem = value - floor
    half = Fraction(1, 2)
    up = {
        Rounding.TRN: False,
        Rounding.RND: rem >= half,
        Rounding.RND_ZERO: rem > half or (rem == half and value < 0),
        Rounding.RND_MIN_INF: rem > half,
        Rounding.RND_INF: rem > half or (rem == half and value > 0),
        Rounding.RND_CONV: rem > half or (rem == half and floor % 2 == 1),
        Rounding.TRN_ZERO: value < 0 and rem != 0,
    }[rounding]
    return floor + int(up)


def ref_overflow(n: int, width: int, signed: bool, overflow: Overflow) -> int:
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if overflow is Overflow.SAT_SYM and signed and width > 1:  # 1 bit: as SAT (ap_fixed)
        lo = -hi
    if lo <= n <= hi:
        return n
    if overflow is Overflow.WRAP:
        n &= (1 << width) - 1
        return n - (1 << width) if signed and n > hi else n
    if overflow is Overflow.SAT_ZERO:
        return 0
    return hi if n > hi else lo


def ref_quantize(value: Fraction, t: Fixed) -> int:
    return ref_overflow(
        ref_round(value * Fraction(2) ** t.frac_bits, t.rounding), t.width, t.signed, t.overflow
    )


def fixed_types(max_width: int = 70, rounding=None, overflow=None) -> st.SearchStrategy[Fixed]:
    return st.builds(
        lambda w, di, s, q, o: Fixed(w, w + di, s, q, o),
        st.integers(1, max_width),
        st.integers(-8, 8),
        st.booleans(),
        st.sampled_from(Rounding) if rounding is None else st.just(rounding),
        st.sampled_from(Overflow) if overflow is None else st.just(overflow),
    )


@st.composite
def typed_codes(draw, max_width: int = 70, n: int = 8):
    t = draw(fixed_types(max_width))
    codes = draw(st.lists(st.integers(t.min_code, t.max_code), min_size=1, max_size=n))
    return t, codes


def _array(codes: list[int], t: Fixed) -> np.ndarray:
    return np.array(codes, dtype=np.int64 if fixed.fits_int64(t) else object)


# -- quantize -----------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    fixed_types(),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8),
)
def test_quantize_matches_definition(t, values):
    got = fixed.quantize(np.array(values), t)
    assert [int(v) for v in got] == [ref_quantize(Fraction(v), t) for v in values]


@settings(max_examples=300, deadline=None)
@given(fixed_types(40), st.data())
def test_quantize_ties_and_neighbours(t, data):
    code = data.draw(st.integers(t.min_code - 4, t.max_code + 4))
    offset = data.draw(
        st.sampled_from([Fraction(0), Fraction(1, 2), Fraction(-1, 2), Fraction(1, 4)])
    )
    value = (code + offset) * t.lsb
    x = float(value)
    assert Fraction(x) == value  # exact in a double for these widths
    below, above = np.nextafter(x, -np.inf), np.nextafter(x, np.inf)
    got = fixed.quantize(np.array([x, below, above]), t)
    assert [int(v) for v in got] == [ref_quantize(Fraction(v), t) for v in (x, below, above)]


def test_quantize_examples():
    t = Fixed(4, 2, True, "RND", "SAT")  # lsb 0.25, range [-2, 1.75]
    x = np.array([0.125, -0.125, 0.375, 5.0, -5.0, -2.0])
    np.testing.assert_array_equal(fixed.quantize(x, t), [1, 0, 2, 7, -8, -8])
    np.testing.assert_array_equal(
        fixed.quantize(x, t.with_modes("RND_CONV", "SAT_SYM")), [0, 0, 2, 7, -7, -7]
    )
    np.testing.assert_array_equal(
        fixed.quantize(x, t.with_modes("TRN", "WRAP")), [0, -1, 1, 4, -4, -8]
    )
    np.testing.assert_array_equal(
        fixed.quantize(x, t.with_modes("TRN_ZERO", "SAT_ZERO")), [0, 0, 1, 0, 0, -8]
    )


def test_quantize_special_values_follow_ap_fixed():
    x = np.array([np.nan, -np.nan, np.inf, -np.inf, 1e300, -1e300, 0.0, -0.0, 5e-324, -5e-324])
    wrap = fixed.quantize(x, Fixed(8, 3, True, "RND"))
    np.testing.assert_array_equal(wrap, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    sat = fixed.quantize(x, Fixed(8, 3, True, "RND_INF", "SAT"))
    np.testing.assert_array_equal(sat, [127, -128, 127, -128, 127, -128, 0, 0, 0, 0])
    tz = fixed.quantize(x[8:], Fixed(8, 3, True, "TRN"))
    np.testing.assert_array_equal(tz, [0, -1])  # floor of a tiny negative value


def test_quantize_huge_values_wrap_exactly():
    t = Fixed(12, 40)  # lsb 2**28
    x = np.array([3.0 * 2.0**60 + 2.0**28, -(2.0**80) - 2.0**30, 2.0**39 * 1.5])
    expect = [ref_quantize(Fraction(v), t) for v in x.tolist()]
    np.testing.assert_array_equal(fixed.quantize(x, t), expect)


# -- cast ---------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(typed_codes(), fixed_types())
def test_cast_matches_definition(src_codes, dst):
    src, codes = src_codes
    got = fixed.cast(_array(codes, src), src, dst)
    assert [int(v) for v in got] == [ref_quantize(c * src.lsb, dst) for c in codes]


@given(typed_codes(max_width=40))
def test_widening_cast_is_lossless(src_codes):
    src, codes = src_codes
    src = src.with_modes("TRN", "WRAP")  # any mode: no rounding, no overflow happens
    dst = Fixed(src.width + 3, src.int_bits + 1, True)
    back = fixed.cast(fixed.cast(_array(codes, src), src, dst), dst, src)
    assert [int(v) for v in back] == codes


def test_cast_reports_overflow_stats():
    src, dst = Fixed(8, 8), Fixed(4, 4, True, "TRN", "SAT")
    stats = OverflowStats()
    out = fixed.cast(np.array([-128, -9, -8, 0, 7, 8, 127]), src, dst, stats=stats)
    np.testing.assert_array_equal(out, [-8, -8, -8, 0, 7, 7, 7])
    assert (stats.total, stats.overflows, stats.underflows, stats.count) == (7, 2, 2, 4)
    fixed.quantize(np.array([100.0]), dst, stats=stats)
    assert stats.total == 8 and stats.overflows == 3
    assert stats.fraction == pytest.approx(5 / 8)


def test_cast_rejects_out_of_range_codes():
    with pytest.raises(NumericTypeError, match=r"Codes out of range for fixed<4,2>"):
        fixed.cast(np.array([8]), Fixed(4, 2), Fixed(8, 2))
    with pytest.raises(NumericTypeError, match="must be integers"):
        fixed.cast(np.array([0.5]), Fixed(4, 2), Fixed(8, 2))


# -- arithmetic ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(typed_codes(max_width=48), typed_codes(max_width=48))
def test_arithmetic_is_exact(a_codes, b_codes):
    ta, a = a_codes
    tb, b = b_codes
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    for op, func in (("add", fixed.add), ("sub", fixed.sub), ("mul", fixed.mul)):
        codes, rt = func(_array(a, ta), ta, _array(b, tb), tb)
        for x, y, got in zip(a, b, codes.tolist(), strict=True):
            xv, yv = x * ta.lsb, y * tb.lsb
            exact = {"add": xv + yv, "sub": xv - yv, "mul": xv * yv}[op]
            assert got * rt.lsb == exact
            assert rt.min_code <= got <= rt.max_code


def test_wide_results_use_python_ints():
    a, b = Fixed(32, 36), Fixed(32, -4)
    codes, rt = fixed.add(np.array([2**31 - 1]), a, np.array([-(2**31)]), b)
    assert rt.width == 73 and codes.dtype == object
    assert codes[0] * rt.lsb == (2**31 - 1) * a.lsb - 2**31 * b.lsb
    u = Fixed(32, 0, signed=False)
    codes, rt = fixed.mul(np.array([2**32 - 1]), u, np.array([2**32 - 1]), u)
    assert codes.dtype == object and codes[0] == (2**32 - 1) ** 2
    narrowed = fixed.cast(codes, rt, Fixed(16, 0, False, "RND", "SAT"))
    assert narrowed.dtype == np.int64 and narrowed[0] == 2**16 - 1


def test_int_arithmetic():
    codes, rt = fixed.mul(np.array([-128, 127]), Int(8), np.array([15, 15]), Int(4, signed=False))
    assert rt == Int(12) and codes.tolist() == [-1920, 1905]
    np.testing.assert_array_equal(fixed.to_float(codes, rt), [-1920.0, 1905.0])


def test_to_float_is_exact():
    t = Fixed(12, 3)
    codes = np.arange(t.min_code, t.max_code + 1)
    values = fixed.to_float(codes, t)
    assert all(
        Fraction(v) == c * t.lsb for v, c in zip(values.tolist(), codes.tolist(), strict=True)
    )
    np.testing.assert_array_equal(fixed.quantize(values, t), codes)
    assert fixed.to_float(np.array([5], dtype=object), Fixed(70, 3))[0] == 5 * 2.0**-67


# -- requantize ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=8),
    st.integers(-(2**31), 2**31),
    st.integers(-4, 70),
    st.sampled_from(Rounding),
    st.sampled_from(Overflow),
    st.integers(2, 16),
    st.booleans(),
)
def test_requantize_matches_definition(acc, multiplier, shift, rounding, overflow, bits, signed):
    out = Int(bits, signed)
    got = requant.requantize(np.array(acc), multiplier, shift, rounding, out, overflow)
    for a, g in zip(acc, got.tolist(), strict=True):
        n = ref_round(Fraction(a * multiplier, 1) / Fraction(2) ** shift, rounding)
        assert g == ref_overflow(n, bits, signed, overflow)


@pytest.mark.parametrize("limit", [None, 1 << 20, 1 << 59])
@pytest.mark.parametrize("rounding", [Rounding.RND, Rounding.TRN, Rounding.RND_CONV])
def test_requantize_with_a_known_limit_matches_the_scan(limit, rounding):
    """A caller's bound on |acc| (its type's largest code) gives the codes a scan gives;
    one too large for the fast core falls back to the scan."""
    rng = np.random.default_rng(7)
    acc = rng.integers(-(1 << 20), 1 << 20, size=(4, 6, 5))
    mults = tuple(int(v) for v in rng.integers(1 << 14, 1 << 15, size=6))
    shifts = (20, 21, 18, 25, 19, 22)
    for m, s in zip(mults, shifts, strict=True):
        want = requant.requantize(acc, m, s, rounding, Int(8))
        got = requant.requantize(acc, m, s, rounding, Int(8), limit=limit)
        np.testing.assert_array_equal(got, want)
    want = requant.requantize_channels(acc, mults, shifts, 1, rounding, Int(8))
    got = requant.requantize_channels(acc, mults, shifts, 1, rounding, Int(8), limit=limit)
    np.testing.assert_array_equal(got, want)


def test_requantize_defaults_and_fixed_output():
    acc = np.array([1000, -1000, 7, -7])
    m, s = requant.quantize_multiplier(0.05)
    np.testing.assert_array_equal(requant.requantize(acc, m, s, out=Int(8)), [50, -50, 0, 0])
    out = Fixed(8, 4, True, "RND_CONV", "SAT")
    np.testing.assert_array_equal(requant.requantize(acc, 1, 2, out=out), [127, -128, 2, -2])
    np.testing.assert_array_equal(
        requant.shift_right(acc, 3, Int(6), "TRN", "WRAP"), [-3, 3, 0, -1]
    )


@pytest.mark.parametrize("real", [0.3, 1.0, 0.999999999, 1e-7, 123.456, -0.75, 2.0**-40])
def test_quantize_multiplier(real):
    m, s = requant.quantize_multiplier(real)
    assert 2**30 <= abs(m) < 2**31
    assert abs(m * 2.0**-s - real) <= abs(real) * 2.0**-30
    assert requant.quantize_multiplier(0.0) == (0, 0)
    with pytest.raises(NumericTypeError, match="must be finite"):
        requant.quantize_multiplier(float("nan"))


# -- torch --------------------------------------------------------------------------------


@pytest.mark.parametrize("rounding", list(Rounding))
@pytest.mark.parametrize("overflow", list(Overflow))
def test_torch_matches_numpy(rounding, overflow):
    rng = np.random.default_rng(hash((rounding.value, overflow.value)) % 2**32)
    for _ in range(12):
        width = int(rng.integers(1, 63))
        t = Fixed(
            width, int(rng.integers(-6, width + 7)), bool(rng.random() < 0.5), rounding, overflow
        )
        x = np.ldexp(rng.standard_normal(2000), int(rng.integers(-8, 30)))
        x[:6] = [np.inf, -np.inf, np.nan, 1e300, -0.0, 5e-324]
        np.testing.assert_array_equal(
            fixed_torch.quantize(torch.from_numpy(x), t).numpy(), fixed.quantize(x, t)
        )
        src = Fixed(int(rng.integers(1, 60)), int(rng.integers(-6, 40)), bool(rng.random() < 0.5))
        codes = rng.integers(src.min_code, src.max_code + 1, size=2000)
        s1, s2 = OverflowStats(), OverflowStats()
        got = fixed_torch.cast(torch.from_numpy(codes), src, t, stats=s1).numpy()
        np.testing.assert_array_equal(got, fixed.cast(codes, src, t, stats=s2))
        assert s1 == s2


def test_torch_fallback_and_errors():
    t = Fixed(63, 10, True, "RND", "SAT")
    x = torch.tensor([1.5, -3.25, 1e30], dtype=torch.float64)
    np.testing.assert_array_equal(fixed_torch.quantize(x, t).numpy(), fixed.quantize(x.numpy(), t))
    with pytest.raises(NumericTypeError, match="torch int64"):
        fixed_torch.quantize(x, Fixed(64, 10, signed=False))
    with pytest.raises(NumericTypeError, match="must be integers"):
        fixed_torch.cast(torch.tensor([0.5]), Fixed(4, 2), Fixed(8, 2))


@pytest.mark.parametrize("rounding", [Rounding.RND, Rounding.TRN])
@pytest.mark.parametrize("overflow", [Overflow.SAT, Overflow.WRAP])
@pytest.mark.parametrize("out", [Int(8), Int(8, signed=False), Int(14), Int(31, signed=False)])
def test_requantize_in_int32_passes_matches_the_exact_cast(rounding, overflow, out):
    """Products whose bound with the rounding half stays below 2**31 run in int32; at and
    just past that edge they take the int64 core: both give the exact cast's codes."""
    from fpgaforge.numerics.rescale import rescale_exact

    rng = np.random.default_rng(13)
    for mult, shift, top in (
        (16513, 21, 1 << 15),
        (1, 4, 1 << 14),
        (3, 1, (1 << 31) // 3 - 1),
        (3, 1, (1 << 31) // 3 + 1),
        (-7, 9, 1 << 20),
    ):
        acc = rng.integers(-top, top + 1, size=500)
        acc[:2] = (-top, top)
        got = requant.requantize(acc, mult, shift, rounding, out, overflow)
        want = [
            rescale_exact(int(a) * mult, shift, out.width, out.signed, rounding, overflow)[0]
            for a in acc.tolist()
        ]
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.int64
        mults = (mult, 2 * mult, mult)
        shifts = (shift, shift + 1, shift)
        codes = np.stack([acc[:100]] * 3).reshape(1, 3, 100)
        got = requant.requantize_channels(codes, mults, shifts, 1, rounding, out, overflow)
        for c in range(3):
            want = [
                rescale_exact(
                    int(a) * mults[c], shifts[c], out.width, out.signed, rounding, overflow
                )[0]
                for a in acc[:100].tolist()
            ]
            np.testing.assert_array_equal(got[0, c], want)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(-(2**15), 2**15 - 1), min_size=1, max_size=12),
    st.lists(st.integers(-(2**30), 2**30), min_size=3, max_size=3),
    st.lists(st.integers(-6, 40), min_size=3, max_size=3),
    st.sampled_from(Rounding),
    st.sampled_from(Overflow),
    st.integers(2, 15),
    st.booleans(),
    st.sampled_from([np.int16, np.int32, np.int64]),
)
def test_requantize_to_narrow_codes_matches_definition(
    acc, multipliers, shifts, rounding, overflow, bits, signed, codes_dtype
):
    """Codes stored in int16, int32 or int64 and returned narrow (the executor's storage)
    take the int32, float64 or int64 passes; every one gives the definition's codes."""
    out = Int(bits, signed)
    codes = np.array(acc, dtype=codes_dtype)
    channels = np.stack([codes] * 3).reshape(1, 3, -1)
    for limit in (None, 1 << 15):
        got = requant.requantize(
            codes,
            multipliers[0],
            shifts[0],
            rounding,
            out,
            overflow,
            limit=limit,
            result_dtype=np.int16,
        )
        assert got.dtype == np.int16
        per_channel = requant.requantize_channels(
            channels,
            tuple(multipliers),
            tuple(shifts),
            1,
            rounding,
            out,
            overflow,
            limit=limit,
            result_dtype=np.int16,
        )
        assert per_channel is not None and per_channel.dtype == np.int16
        for c in range(3):
            for a, g, h in zip(acc, per_channel[0, c].tolist(), got.tolist(), strict=True):
                n = ref_round(Fraction(a * multipliers[c], 1) / Fraction(2) ** shifts[c], rounding)
                assert g == ref_overflow(n, bits, signed, overflow)
                if c == 0:
                    assert h == g
