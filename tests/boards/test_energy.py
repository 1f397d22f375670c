"""The energy table: defaults with sources, derived FPGA figures, and user overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fpgaforge.boards import BoardError, energy
from fpgaforge.boards.registry import numeric_fields


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(energy.ENERGY_ENV, raising=False)


def test_defaults_have_a_source_for_every_number() -> None:
    data = yaml.safe_load(energy.DEFAULT_PATH.read_text())
    table = energy.load()
    for field in numeric_fields({k: v for k, v in data.items() if k != "version"}):
        assert field in table.sources, f"energy.yaml: {field} has no source"
        source = table.sources[field]
        assert source.text
        if source.verify:
            assert source.note or "derived" in source.text or "range" in source.text, field


def test_horowitz_anchors() -> None:
    ops = energy.load().operations_45nm_pj
    assert (
        ops["int8_add"],
        ops["int32_add"],
        ops["int8_mult"],
        ops["int32_mult"],
        ops["fp32_mult"],
    ) == (0.03, 0.1, 0.2, 3.1, 3.7)


def test_derived_fpga_energies() -> None:
    t = energy.load()
    scale = t.energy_scale
    assert t.mac_pj("int8", "dsp") == pytest.approx((0.2 + 0.1) * scale * t.fpga_overhead["dsp"])
    assert t.mac_pj("int8", "lut") > t.mac_pj("int8", "dsp")  # LUT logic costs more than a hard DSP
    assert t.mac_pj("fp32", "dsp") > t.mac_pj("int16", "dsp") > t.mac_pj("int8", "dsp")
    assert t.op_pj("int8_add", "lut") == pytest.approx(0.03 * scale * t.fpga_overhead["lut"])
    assert t.onchip_pj_per_byte("uram") > t.onchip_pj_per_byte("bram") > 0
    assert t.dram_pj_per_byte("DDR4") > t.dram_pj_per_byte("HBM2") > t.onchip_pj_per_byte("bram")
    for kind in ("ddr3", "ddr4", "lpddr4", "hbm2", "sdram"):
        assert t.dram_pj_per_byte(kind) > 0
    assert "int8_dsp" in t.to_dict()["derived"]["mac_pj"]


def test_unknown_names_raise_board_error() -> None:
    t = energy.load()
    with pytest.raises(BoardError, match="No energy for external memory type 'GDDR6'"):
        t.dram_pj_per_byte("GDDR6")
    with pytest.raises(BoardError, match="Unknown MAC precision"):
        t.mac_pj("int4")
    with pytest.raises(BoardError, match="Unknown FPGA fabric"):
        t.op_pj("int8_add", "gpu")


def _user_file(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "energy.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_user_file_merges_over_defaults(tmp_path: Path) -> None:
    default = energy.load()
    path = _user_file(
        tmp_path,
        {
            "technology": {"energy_scale": 0.5},
            "dram_pj_per_byte": {"DDR4": 120, "gddr6": 60},
            "fpga_pj": {"mac_int8_dsp": 0.9},
            "sources": {"fpga_pj.mac_int8_dsp": "our XPE run"},
        },
    )
    t = energy.load(path)
    assert t.energy_scale == 0.5
    assert t.dram_pj_per_byte("ddr4") == 120 and t.dram_pj_per_byte("GDDR6") == 60
    assert t.dram_pj_per_byte("hbm2") == default.dram_pj_per_byte("hbm2")  # untouched default kept
    assert t.mac_pj("int8", "dsp") == 0.9  # pinned figure wins over the derivation
    assert t.mac_pj("int16", "dsp") == pytest.approx(
        default.mac_pj("int16", "dsp") / default.energy_scale * 0.5
    )
    assert t.sources["fpga_pj.mac_int8_dsp"].text == "our XPE run"
    assert str(path) in t.sources["dram_pj_per_byte.gddr6"].text
    assert t.files[-1] == path


def test_env_var_then_explicit_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "env.yaml"
    env_file.write_text(yaml.safe_dump({"dram_pj_per_byte": {"ddr4": 100, "lpddr4": 50}}))
    monkeypatch.setenv(energy.ENERGY_ENV, str(env_file))
    assert energy.load().dram_pj_per_byte("ddr4") == 100
    explicit = _user_file(tmp_path, {"dram_pj_per_byte": {"ddr4": 90}})
    t = energy.load(explicit)
    assert t.dram_pj_per_byte("ddr4") == 90 and t.dram_pj_per_byte("lpddr4") == 50


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"dram_pj_per_byte": {"ddr4": -1}},
            "field 'dram_pj_per_byte.ddr4' must be a non-negative number",
        ),
        ({"dram_pj": {"ddr4": 1}}, "field 'dram_pj' is not part of the energy schema"),
        ({"technology": {"energy_scale": 0}}, "technology.energy_scale"),
        ({"fpga_overhead": [1, 2]}, "field 'fpga_overhead' must be a mapping"),
    ],
)
def test_invalid_user_files(tmp_path: Path, data: dict, match: str) -> None:
    with pytest.raises(BoardError, match=match):
        energy.load(_user_file(tmp_path, data))


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(BoardError, match="does not exist"):
        energy.load(tmp_path / "nope.yaml")
