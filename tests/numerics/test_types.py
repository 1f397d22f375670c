"""Numeric type objects: validation, ranges, spelling, parsing, result types."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fpgaforge.errors import FpgaforgeError
from fpgaforge.numerics.errors import NumericTypeError
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.result_types import accum_type, add_type, mul_type, sub_type
from fpgaforge.numerics.scale import Scale
from fpgaforge.numerics.types import Fixed, Int, parse_type


def fixed_types(max_width: int = 40) -> st.SearchStrategy[Fixed]:
    return st.builds(
        lambda w, di, s, q, o: Fixed(w, w + di, s, q, o),
        st.integers(1, max_width),
        st.integers(-12, 12),
        st.booleans(),
        st.sampled_from(Rounding),
        st.sampled_from(Overflow),
    )


def _one_sentence(message: str) -> bool:
    return message.endswith(".") and message[0].isupper() and message.count(". ") == 0


# -- validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"width": 0, "int_bits": 0}, "Fixed width must be at least 1 bit, got 0."),
        ({"width": -3, "int_bits": 0}, "at least 1 bit, got -3"),
        ({"width": 2000, "int_bits": 0}, "at most 1024 bits"),
        ({"width": 8.0, "int_bits": 3}, "Fixed width must be an integer"),
        ({"width": True, "int_bits": 3}, "must be an integer"),
        ({"width": 8, "int_bits": "3"}, "Fixed int_bits must be an integer"),
        ({"width": 8, "int_bits": 3, "signed": 1}, "signed must be True or False"),
        ({"width": 8, "int_bits": 3, "rounding": "ROUND"}, "Unknown rounding mode 'ROUND'"),
        ({"width": 8, "int_bits": 3, "overflow": "CLAMP"}, "Unknown overflow mode 'CLAMP'"),
    ],
)
def test_fixed_validation_is_one_sentence(kwargs, fragment):
    with pytest.raises(NumericTypeError) as info:
        Fixed(**kwargs)
    assert fragment in str(info.value)
    assert _one_sentence(str(info.value))
    assert isinstance(info.value, FpgaforgeError)


def test_int_validation():
    with pytest.raises(NumericTypeError, match=r"^Int bits must be at least 1 bit, got 0\.$"):
        Int(0)
    with pytest.raises(NumericTypeError, match="scale must be a Scale"):
        Int(8, scale=0.5)


def test_fixed_accepts_negative_and_large_int_bits():
    assert Fixed(8, -3).frac_bits == 11
    assert Fixed(8, 12).frac_bits == -4
    assert Fixed(1, 1).min_code == -1 and Fixed(1, 1).max_code == 0
    assert Fixed(1, 0, signed=False).max_value == Fraction(1, 2)


def test_frozen_and_hashable():
    t = Fixed(8, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.width = 9
    assert {t, Fixed(8, 3, True, "TRN", "AP_WRAP")} == {t}
    assert Fixed(8, 3, rounding="AP_RND").rounding is Rounding.RND


# -- ranges -----------------------------------------------------------------------------


def test_ranges_signed_and_unsigned():
    t = Fixed(8, 3)
    assert (t.min_code, t.max_code, t.frac_bits) == (-128, 127, 5)
    assert t.lsb == Fraction(1, 32)
    assert (t.min_value, t.max_value) == (Fraction(-4), Fraction(127, 32))
    u = Fixed(8, 3, signed=False)
    assert (u.min_code, u.max_code) == (0, 255)
    assert u.max_value == Fraction(255, 32)
    assert (Int(8).min_code, Int(8).max_code) == (-128, 127)
    assert (Int(4, signed=False).min_code, Int(4, signed=False).max_code) == (0, 15)


@given(fixed_types())
def test_range_properties(t):
    assert t.max_code - t.min_code == (1 << t.width) - 1
    assert t.min_value == t.min_code * Fraction(2) ** (t.int_bits - t.width)
    assert t.verilog_width == t.width and t.verilog_signed == t.signed


# -- spelling and parsing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("t", "cpp", "text"),
    [
        (Fixed(8, 3), "ap_fixed<8,3>", "fixed<8,3>"),
        (Fixed(8, 3, False), "ap_ufixed<8,3>", "ufixed<8,3>"),
        (Fixed(8, 3, True, "RND", "SAT"), "ap_fixed<8,3,AP_RND,AP_SAT>", "fixed<8,3,RND,SAT>"),
        (Fixed(8, 3, True, "RND_CONV"), "ap_fixed<8,3,AP_RND_CONV>", "fixed<8,3,RND_CONV>"),
        (
            Fixed(8, -2, False, "TRN", "SAT_SYM"),
            "ap_ufixed<8,-2,AP_TRN,AP_SAT_SYM>",
            "ufixed<8,-2,TRN,SAT_SYM>",
        ),
        (Int(8), "ap_int<8>", "int8"),
        (Int(4, signed=False), "ap_uint<4>", "uint4"),
    ],
)
def test_spelling(t, cpp, text):
    assert t.cpp() == cpp
    assert str(t) == text
    assert parse_type(cpp) == t and parse_type(text) == t


@given(fixed_types())
def test_parse_round_trip(t):
    assert Fixed.parse(str(t)) == t
    assert Fixed.parse(t.cpp()) == t
    assert Fixed.parse(t.cpp().replace(",", " , ")) == t


@pytest.mark.parametrize(
    "text",
    ["fixed<8>", "fixed<0,0>", "ap_fixed<8,3,AP_RND,AP_SAT,2>", "float", "fixed<8,3,RND,SAT,0,1>"],
)
def test_parse_errors(text):
    with pytest.raises(NumericTypeError) as info:
        parse_type(text)
    assert _one_sentence(str(info.value))


def test_parse_int_spellings():
    assert Int.parse("ap_uint<12>") == Int(12, signed=False)
    assert Int.parse("int<3>") == Int(3)
    assert Fixed.parse("ap_fixed<8,3,AP_RND,AP_SAT,0>") == Fixed(8, 3, True, "RND", "SAT")


# -- scales -------------------------------------------------------------------------------


def test_scales():
    s = Scale.per_channel([0.5, 0.25, 1.0], axis=0)
    assert s.granularity == "channel" and s.values == (0.5, 0.25, 1.0)
    assert s.broadcast((3, 2)).shape == (3, 1)
    g = Scale.per_group([1.0, 2.0], axis=1, group_size=3)
    np.testing.assert_array_equal(g.broadcast((2, 5))[0], [1, 1, 1, 2, 2])
    p = Scale.pow2([-3, 2], axis=0)
    assert p.is_pow2 and p.values == (0.125, 4.0) and p.exponents == (-3, 2)
    assert Scale.pow2(-4).granularity == "tensor"
    with pytest.raises(NumericTypeError, match="exactly one value"):
        Scale((1.0, 2.0))
    with pytest.raises(NumericTypeError, match="finite and positive"):
        Scale.per_tensor(-1.0)
    with pytest.raises(NumericTypeError, match="needs 2"):
        Scale.per_channel([1.0], axis=0).broadcast((2, 2))
    assert hash(Int(8, scale=s)) == hash(Int(8, scale=Scale.per_channel((0.5, 0.25, 1.0), 0)))


# -- result types -------------------------------------------------------------------------


def test_fixed_result_types_examples():
    a, b = Fixed(8, 3), Fixed(6, 1)
    assert add_type(a, b) == Fixed(9, 4)
    assert sub_type(a, b) == Fixed(9, 4)
    assert mul_type(a, b) == Fixed(14, 4)
    u = Fixed(8, 3, signed=False)
    assert add_type(u, u) == Fixed(9, 4, signed=False)
    assert sub_type(u, u) == Fixed(9, 4, signed=True)
    assert add_type(a, u) == Fixed(10, 5)  # the unsigned operand gains a bit
    assert mul_type(a, u) == Fixed(16, 6)
    assert add_type(Fixed(8, 3, True, "RND", "SAT"), b).rounding is Rounding.TRN


def test_int_result_types():
    assert add_type(Int(8), Int(4)) == Int(9)
    assert add_type(Int(8), Int(8, signed=False)) == Int(10)
    assert sub_type(Int(4, signed=False), Int(4, signed=False)) == Int(5)
    assert mul_type(Int(8), Int(4, signed=False)) == Int(12)
    assert add_type(Int(8), Fixed(8, 2)) == Fixed(15, 9)
    s = Scale.pow2(-3)
    assert mul_type(Int(8, scale=s), Int(8, scale=Scale.pow2(-2))).scale == Scale.pow2(-5)
    with pytest.raises(NumericTypeError, match="different scales"):
        add_type(Int(8, scale=s), Int(8))


def test_accum_type():
    p = mul_type(Fixed(8, 3), Fixed(8, 1))
    assert accum_type(p, 1) == p
    assert accum_type(p, 2) == Fixed(17, 5)
    assert accum_type(p, 64) == Fixed(22, 10)
    assert accum_type(p, 65) == Fixed(23, 11)
    assert accum_type(Int(16), 1000) == Int(26)
    with pytest.raises(NumericTypeError, match="at least 1 term"):
        accum_type(p, 0)


@given(fixed_types(24), fixed_types(24), st.integers(1, 5000))
def test_accumulator_holds_any_sum(a, b, n):
    p = mul_type(a, b)
    acc = accum_type(p, n)
    assert acc.frac_bits == p.frac_bits
    assert n * p.max_code <= acc.max_code
    assert n * p.min_code >= acc.min_code
