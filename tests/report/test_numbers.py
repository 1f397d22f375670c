"""The number formatting every report uses."""

from __future__ import annotations

import math

import pytest

from fpgaforge.report import numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.0, "0"),
        (math.inf, "inf"),
        (4096, "4,096"),
        (223.0, "223"),
        (23557.5, "23,557.5"),
        (1343.6999999999998, "1,343.7"),
        (141120, "1.41e+05"),
        (12500000.0, "1.25e+07"),
        (0.005, "0.005"),
        (-250.25, "-250.2"),
    ],
)
def test_number(value: float, text: str) -> None:
    assert numbers.number(value) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (3e-07, "s", "300 ns"),
        (8.9e-07, "s", "890 ns"),
        (1.73e-05, "s", "17.3 µs"),
        (0.0123, "s", "12.3 ms"),
        (2.5, "s", "2.5 s"),
        (1500.0, "Hz", "1.5 kHz"),
        (2.5e7, "B", "25 MB"),
        (3.2e9, "B", "3.2 GB"),
        (0, "s", "0 s"),
        (5e-12, "J", "5e-12 J"),
    ],
)
def test_si(value: float, unit: str, text: str) -> None:
    assert numbers.si(value, unit) == text


def test_joules_watts_seconds() -> None:
    assert numbers.joules(8.6422726e-08) == "86.4 nJ"
    assert numbers.joules(1.22e-06) == "1.22 µJ"
    assert numbers.watts(1.080284075) == "1.08 W"
    assert numbers.watts(0.246960, digits=1) == "0.2 W"
    assert numbers.seconds(2.8013, 2) == "2.80 s"
    assert numbers.seconds(0.00512, 3) == "0.005 s"
    assert numbers.seconds(11.04) == "11.0 s"
    assert numbers.seconds(177.4, 0) == "177 s"


def test_percent_and_cycles() -> None:
    assert numbers.percent(61.94444444444444) == "61.9"
    assert numbers.percent(0.5555697278911564) == "0.6"
    assert numbers.percent(100 * 0.983) == "98.3"
    assert numbers.percent(33.386, digits=2) == "33.39"
    assert numbers.cycles(180) == "180 cycles"
    assert numbers.cycles(178.0) == "178.0 cycles"


def test_ratio() -> None:
    assert numbers.ratio(180, 178.0) == "1.011"
    assert numbers.ratio(64, 64) == "1.000"
    assert numbers.ratio(5060, 2150, digits=2) == "2.35"
    assert numbers.ratio(62, None) == "-"
    assert numbers.ratio(62, 0) == "-"


def test_optional() -> None:
    assert numbers.optional(2.5e7, ".4g") == "2.5e+07"
    assert numbers.optional(3125000.0, ".4g") == "3.125e+06"
    assert numbers.optional(1.36, ".2f") == "1.36"
    assert numbers.optional(7, ".2f") == "7.00"
    assert numbers.optional(None, ".2f") == "-"
    assert numbers.optional("n/a", ".3g") == "-"


def test_grouped() -> None:
    assert numbers.grouped(20991.0) == "20,991"
    assert numbers.grouped(0.0, 1) == "0.0"
    assert numbers.grouped(1627) == "1,627"
    assert numbers.grouped(None) == "-"
    assert numbers.grouped(None, 1) == "-"


def test_field() -> None:
    assert numbers.field(None) == "null"
    assert numbers.field(200.0) == "200"
    assert numbers.field(230400) == "230,400"
    assert numbers.field(2147483648) == "2,147,483,648"
    assert numbers.field(13.44) == "13.44"
    assert numbers.field(0.7) == "0.7"
    assert numbers.field("DSP48E2") == "DSP48E2"
