"""The rounding and overflow codes of the C++ and Verilog libraries equal `fpgaforge.numerics.codes`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fpgaforge.numerics.codes import OVERFLOW_CODES, ROUNDING_CODES
from fpgaforge.numerics.modes import Overflow, Rounding

PACKAGE = Path(__file__).resolve().parents[2] / "fpgaforge"
FF_COMMON_H = PACKAGE / "hls" / "kernels" / "ff_common.h"
FF_REQUANT_V = PACKAGE / "rtl" / "verilog" / "ff_requant.v"
HARDWARE_SOURCES = sorted(
    p for ext in ("h", "v", "vh", "sv", "j2") for p in PACKAGE.rglob(f"*.{ext}")
)
CODES = {
    **{str(k): v for k, v in ROUNDING_CODES.items()},
    **{str(k): v for k, v in OVERFLOW_CODES.items()},
}
NAMES = "|".join(sorted(CODES, key=len, reverse=True))
# "RND_CONV = 5" (a C++ enum) or "5 RND_CONV" (a comment table).
NAME_EQ_CODE = re.compile(rf"\b(?P<name>{NAMES})\s*=\s*(?P<code>\d+)\b")
CODE_THEN_NAME = re.compile(rf"(?<![\w.])(?P<code>\d+)\s+(?P<name>{NAMES})\b")


def spelled_codes(text: str) -> list[tuple[str, int]]:
    """Every (mode name, code) pair spelled in ``text``."""
    pairs = [(m["name"], int(m["code"])) for m in NAME_EQ_CODE.finditer(text)]
    return pairs + [(m["name"], int(m["code"])) for m in CODE_THEN_NAME.finditer(text)]


def test_table_covers_every_mode_once():
    assert set(ROUNDING_CODES) == set(Rounding)
    assert set(OVERFLOW_CODES) == set(Overflow)
    assert sorted(ROUNDING_CODES.values()) == list(range(len(Rounding)))
    assert sorted(OVERFLOW_CODES.values()) == list(range(len(Overflow)))
    assert ROUNDING_CODES["RND_CONV"] == ROUNDING_CODES[Rounding.RND_CONV]


@pytest.mark.parametrize(
    "enum, table", [("Rounding", ROUNDING_CODES), ("Overflow", OVERFLOW_CODES)]
)
def test_hls_enums_equal_the_table(enum, table):
    body = re.search(rf"enum\s+{enum}\s*\{{([^}}]*)\}}", FF_COMMON_H.read_text())
    assert body is not None, f"{FF_COMMON_H.name} declares no enum {enum}"
    declared = {name: int(code) for name, code in re.findall(r"(\w+)\s*=\s*(\d+)", body.group(1))}
    assert declared == {str(k): v for k, v in table.items()}


@pytest.mark.parametrize(
    "param, table", [("ROUNDING", ROUNDING_CODES), ("OVERFLOW", OVERFLOW_CODES)]
)
def test_verilog_parameter_table_equals_the_table(param, table):
    line = re.search(rf"^//\s*{param}:(.*)$", FF_REQUANT_V.read_text(), re.M)
    assert line is not None, f"{FF_REQUANT_V.name} documents no {param} codes"
    documented = {name: int(code) for code, name in re.findall(r"(\d+)\s+(\w+)", line.group(1))}
    assert documented == {str(k): v for k, v in table.items()}


def test_verilog_rounding_case_covers_every_code():
    text = FF_REQUANT_V.read_text()
    case = re.search(r"case\s*\(ROUNDING\)(.*?)endcase", text, re.S)
    assert case is not None
    labels = re.findall(r"^\s*(\d+|default)\s*:", case.group(1), re.M)
    numbered = sorted(int(x) for x in labels if x != "default")
    # Every code but the last has its own arm; the last (TRN_ZERO) is the default arm.
    assert numbered == list(range(len(Rounding) - 1))
    assert "default" in labels
    assert ROUNDING_CODES[Rounding.TRN_ZERO] == len(Rounding) - 1


@pytest.mark.parametrize("path", HARDWARE_SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_spelled_code_equals_the_table(path):
    for name, code in spelled_codes(path.read_text()):
        assert code == CODES[name], f"{path.name} spells {name} as {code}, not {CODES[name]}"


def test_the_scan_finds_both_tables():
    assert sorted(spelled_codes(FF_COMMON_H.read_text())) == sorted(CODES.items())
    assert sorted(spelled_codes(FF_REQUANT_V.read_text())) == sorted(CODES.items())
