"""The board registry: built-in data, user boards, validation errors and the `boards` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fpgaforge import boards
from fpgaforge.boards.registry import DATA_DIR, numeric_fields
from fpgaforge.cli import main

EXPECTED = {
    "pynq-z2",
    "ultra96v2",
    "zcu102",
    "zcu104",
    "kv260",
    "vck190",
    "u50",
    "u250",
    "u280",
    "vcu1525",
    "ulx3s-85f",
    "icebreaker",
}
XILINX_6LUT = {
    "pynq-z2",
    "ultra96v2",
    "zcu102",
    "zcu104",
    "kv260",
    "vck190",
    "u50",
    "u250",
    "u280",
    "vcu1525",
}
BOARD_FILES = sorted(p for p in DATA_DIR.glob("*.yaml") if p.name != "energy.yaml")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("FPGAFORGE_BOARDS_PATH", raising=False)
    yield
    for name in ("my-board", "zcu104-mine"):
        boards.unregister_board(name)


def _minimal(name: str = "my-board") -> dict:
    """The smallest valid board description."""
    return {
        "name": name,
        "description": "a test board",
        "vendor": "Test",
        "family": "Test",
        "part": "tp-1",
        "speed_grade": "-1",
        "resources": {
            "lut": 1000,
            "ff": 2000,
            "dsp": 10,
            "dsp_kind": "DSP48E2",
            "bram": {"count": 4, "bits_per_block": 36864},
            "uram": 0,
            "lut_inputs": 6,
        },
        "clocks": {"default_mhz": 100, "max_mhz": 400},
        "memory": [
            {
                "name": "ddr",
                "type": "DDR4",
                "capacity_bytes": 1 << 30,
                "peak_bandwidth_gbps": 10,
                "efficiency": 0.5,
            }
        ],
        "host": "none",
        "toolchain": "vivado",
        "power": {"static_w": None},
        "sources": {"*": "my measurement"},
    }


def _write(tmp_path: Path, data: dict, name: str = "my_board.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_all_builtin_boards_load_sorted() -> None:
    names = [b.name for b in boards.list()]
    assert set(names) == EXPECTED
    assert names == sorted(names)
    assert len(BOARD_FILES) == len(EXPECTED)


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_board_file_matches_name_and_validates(path: Path) -> None:
    board = boards.load_board_file(path)
    assert board.name == path.stem
    assert board.resources.dsp > 0 and board.resources.lut > 0
    assert 0 < board.usable("lut") < board.resources.lut
    assert board.clocks.max_mhz is None or board.clocks.max_mhz > board.clocks.default_mhz


@pytest.mark.parametrize("path", BOARD_FILES, ids=lambda p: p.stem)
def test_every_number_has_a_source(path: Path) -> None:
    board = boards.load_board_file(path)
    data = yaml.safe_load(path.read_text())
    fields = numeric_fields(data)
    assert "resources.lut" in fields
    for field in fields:
        source = board.source(field)
        assert source is not None and source.text, f"{path.name}: {field} has no source"
        if source.verify:
            assert source.note, f"{path.name}: {field} is marked verify without a note"
    assert "*" not in board.sources, "built-in boards cite each field, not a catch-all"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_are_consistent(name: str) -> None:
    board = boards.get(name)
    r = board.resources
    if name in XILINX_6LUT:
        assert r.lut_inputs == 6
        # 8 FF per 4 LUT (7-series, UltraScale+) and 64 FF per 32 LUT (Versal CLB)
        assert r.ff == 2 * r.lut
        assert r.bram.bits_per_block == 36 * 1024
        assert r.dsp_kind in ("DSP48E1", "DSP48E2", "DSP58")
        assert board.toolchain in ("vitis", "vivado")
    else:
        assert r.lut_inputs == 4 and r.ff == r.lut
        assert r.dsp_kind in ("MULT18", "MAC16") and board.toolchain == "yosys-nextpnr"
    if board.host == "alveo-pcie":
        assert board.shell.lut > 0
    for m in board.memories:
        if m.peak_bandwidth_gbps is not None and m.usable_bandwidth_gbps is not None:
            assert 0 < m.usable_bandwidth_gbps <= m.peak_bandwidth_gbps


def test_known_values_and_helpers() -> None:
    zcu104 = boards.get("zcu104")
    assert zcu104.part == "xczu7ev-ffvc1156-2-e"
    assert zcu104.usable("dsp") == int(1728 * 0.8)
    assert zcu104.usable("ff") == 460800 // 2
    assert zcu104.bandwidth_bytes_per_s == 19.2e9
    assert zcu104.usable_bandwidth_bytes_per_s == pytest.approx(0.7 * 19.2e9)
    u250 = boards.get("u250")
    assert u250.usable("lut") == int(1728000 * 0.7 - 33000)
    assert u250.usable("bram") == int(2688 * 0.8 - 99.5)
    u280 = boards.get("u280")
    assert [m.type for m in u280.memories] == ["HBM2", "DDR4"]
    assert u280.total_peak_bandwidth_bytes_per_s == pytest.approx((460 + 38.5) * 1e9)
    ice = boards.get("icebreaker")
    assert ice.memory is None and ice.bandwidth_bytes_per_s == 0.0
    assert ice.resources.bram.total_bits == 120 * 1024
    assert boards.get("ulx3s-85f").resources.bram.total_bits == 3744 * 1024
    with pytest.raises(ValueError):
        zcu104.usable("gpu")


def test_to_dict_is_json_ready() -> None:
    data = boards.get("kv260").to_dict()
    text = json.dumps(data)
    assert json.loads(text)["resources"]["bram"] == {"count": 144, "bits_per_block": 36864}
    assert data["usable"]["dsp"] == 998
    assert data["sources"]["power.board_idle_w"]["verify"] is False
    assert data["power"]["board_idle_w"] == 9.15


def test_boards_are_frozen() -> None:
    board = boards.get("zcu102")
    with pytest.raises(AttributeError):
        board.name = "x"  # type: ignore[misc]


def test_unknown_board_message() -> None:
    with pytest.raises(boards.BoardError) as info:
        boards.get("zcu999")
    assert str(info.value) == (
        "Unknown board 'zcu999'; known boards: icebreaker, kv260, pynq-z2, u250, u280, u50, "
        "ultra96v2, ulx3s-85f, vck190, vcu1525, zcu102, zcu104. "
        "Add your own with a YAML file (see docs/boards.md)."
    )


def test_user_board_via_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    _write(tmp_path, _minimal())
    monkeypatch.setenv("FPGAFORGE_BOARDS_PATH", f"{other}{__import__('os').pathsep}{tmp_path}")
    board = boards.get("my-board")
    assert board.resources.dsp == 10
    assert board.memory.usable_bandwidth_gbps == 5.0
    assert board.usable_fractions.lut == 0.7  # FINN defaults when omitted
    assert "my-board" in [b.name for b in boards.list()]


def test_env_var_naming_a_missing_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FPGAFORGE_BOARDS_PATH", str(tmp_path / "nope"))
    with pytest.raises(boards.BoardError, match="FPGAFORGE_BOARDS_PATH lists .* not a directory"):
        boards.list()


def test_user_board_via_path_and_register(tmp_path: Path) -> None:
    path = _write(tmp_path, _minimal())
    assert boards.get(str(path)).name == "my-board"
    with pytest.raises(boards.BoardError):
        boards.get("my-board")
    boards.register_board_file(path)
    assert boards.get("my-board").part == "tp-1"
    mine = _minimal("zcu104-mine")
    boards.register_board_file(_write(tmp_path, mine, "mine.yaml"))
    assert "zcu104-mine" in boards.names()


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["resources"].pop("lut"), "resources.lut"),
        (lambda d: d["resources"].__setitem__("dsp_kind", "DSP48"), "resources.dsp_kind"),
        (lambda d: d["resources"].__setitem__("ff", "lots"), "resources.ff"),
        (lambda d: d["resources"].__setitem__("lut_inputs", 5), "resources.lut_inputs"),
        (lambda d: d["resources"]["bram"].pop("bits_per_block"), "resources.bram.bits_per_block"),
        (lambda d: d.__setitem__("host", "pcie"), "host"),
        (lambda d: d.__setitem__("toolchain", "quartus"), "toolchain"),
        (
            lambda d: d["memory"][0].__setitem__("usable_bandwidth_gbps", 99),
            "memory[0].usable_bandwidth_gbps",
        ),
        (lambda d: d["clocks"].__setitem__("default_mhz", -5), "clocks.default_mhz"),
        (
            lambda d: d.__setitem__(
                "usable_fractions", {"lut": 2, "ff": 0.5, "bram": 0.8, "uram": 0.8, "dsp": 0.8}
            ),
            "usable_fractions.lut",
        ),
        (lambda d: d.__setitem__("sources", {"resources": "datasheet"}), "clocks.default_mhz"),
        (lambda d: d.pop("name"), "name"),
    ],
)
def test_invalid_board_file_names_file_and_field(tmp_path: Path, edit, field: str) -> None:
    data = _minimal()
    edit(data)
    path = _write(tmp_path, data)
    with pytest.raises(boards.BoardError) as info:
        boards.load_board_file(path)
    message = str(info.value)
    assert str(path) in message and f"field '{field}'" in message
    assert message.endswith(".")


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(boards.BoardError, match="does not exist"):
        boards.get(str(tmp_path / "none.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(boards.BoardError, match="not valid YAML"):
        boards.load_board_file(bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(boards.BoardError, match="YAML mapping"):
        boards.load_board_file(bad)


def test_cli_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boards"]) == 0
    out = capsys.readouterr().out
    for name in EXPECTED:
        assert name in out
    assert "DSP48E2" in out and "HBM2 460 GB/s" in out and "xczu7ev-ffvc1156" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boards", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [b["name"] for b in data] == sorted(EXPECTED)
    assert main(["boards", "zcu104", "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["resources"]["uram"] == 96
    assert one["sources"]["clocks.max_mhz"]["source"].startswith("DS925")


def test_cli_details_show_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boards", "u50"]) == 0
    out = capsys.readouterr().out
    assert "UG1393" in out and "(verify)" in out and "shell.lut" in out


def test_cli_unknown_board_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boards", "zcu999"]) == 2
    err = capsys.readouterr().err
    assert "Unknown board 'zcu999'" in err and "Traceback" not in err
