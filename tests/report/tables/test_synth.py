"""The synthesis table and the place-and-route line."""

from __future__ import annotations

from fpgaforge.report.tables import synth
from tests.report.conftest import render

REPORT = {
    "top": "digits_mlp_top",
    "estimate": {"board": "ultra96v2"},
    "resources": {
        "lut": {"yosys": 20991.0, "estimate": 25963.7, "ratio": 20991.0 / 25963.7},
        "bram": {"yosys": 0.0, "estimate": 0.0, "ratio": None},
        "carry": {"yosys": 1627, "estimate": None, "ratio": None},
    },
    "yosys": {"kind": "yowasp", "seconds": 177.4},
    "report_file": "/tmp/p/rtl/synth_xcup.json",
}


def test_resources_table() -> None:
    table = synth.resources_table(REPORT, "xcup")
    assert table.title == "digits_mlp_top: yosys synth for xcup vs the estimate for ultra96v2"
    assert [c._cells for c in table.columns] == [
        ["lut", "bram", "carry"],
        ["20,991", "0.0", "1,627"],
        ["25,964", "0.0", "-"],
        ["0.81", "-", "-"],
    ]


def test_pnr_line() -> None:
    pnr = {
        "device": "LFE5U-85F",
        "fmax_mhz": 61.234,
        "met": True,
        "target_mhz": 50.0,
        "bitstream": "top.bit",
        "bitstream_bytes": 2247345,
    }
    assert synth.pnr_line(pnr) == (
        "nextpnr-ecp5 (LFE5U-85F): Fmax 61.2 MHz, target 50 MHz met; bitstream top.bit "
        "(2,247,345 bytes)"
    )
    assert "Fmax - MHz, target 50 MHz NOT met" in synth.pnr_line(
        {**pnr, "fmax_mhz": None, "met": False}
    )


def test_print_synth(text_console) -> None:
    synth.print_synth(text_console, REPORT, "xcup")
    lines = text_console.export_text().splitlines()
    assert lines[-2:] == ["yosys (yowasp) took 177 s", "report: /tmp/p/rtl/synth_xcup.json"]
    assert not any(line.startswith("nextpnr") for line in lines)
    text = render(text_console, synth.resources_table(REPORT, "xcup"))
    assert "yosys/estimate" in text
