"""The HTML report: self-contained pages for compare, estimate, dse and a build folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fpgaforge.cli import main
from fpgaforge.errors import UsageError
from fpgaforge.report.html import build_report, compare_report, dse_report, estimate_report
from tests.report.html_fixtures import (
    tiny_build,
    write_rtlsim_result,
    write_synth_report,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from fpgaforge.hls.csim import run_csim

    out = tiny_build(tmp_path_factory.mktemp("html"))
    assert run_csim(out).passed
    return out


def self_contained(page: str) -> None:
    """No scripts, no external resources: every plot is inline SVG."""
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    assert "<?xml" not in page  # the SVG prologue is stripped


def section_ids(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', page)


def test_compare_page(tiny_compare: dict) -> None:
    page = compare_report(tiny_compare)
    self_contained(page)
    assert section_ids(page) == [
        "summary",
        "compare",
        "pareto",
        "board-ultra96v2",
        "board-zcu104",
        "sqnr",
    ]
    # pareto + 3 per board (cycles, resources, roofline) + SQNR
    assert page.count("<svg") == 1 + 3 * 2 + 1
    assert 'class="modeled"' in page and 'class="estimated"' in page
    assert 'class="measured"' in page
    assert "NVIDIA H100 SXM5" in page


def test_build_page_with_all_verification_sections(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    shutil.copytree(built, out)
    page = build_report(out)
    self_contained(page)
    assert section_ids(page) == ["summary", "board-ultra96v2", "sqnr", "csim", "not-run"]
    assert "RTL simulation (`fpgaforge rtlsim`); synthesis (`fpgaforge synth`)" in page
    write_rtlsim_result(out)
    write_synth_report(out)
    page = build_report(out)
    assert section_ids(page) == ["summary", "board-ultra96v2", "sqnr", "csim", "rtlsim", "synth"]
    assert page.count("<svg") == 3 + 1 + 1 + 1
    assert ">PASS<" in page and "yosys synth for xcup" in page


def test_estimate_and_dse_pages(tmp_path: Path) -> None:
    from fpgaforge.dataflow import schedule
    from fpgaforge.dataflow.dse import explore
    from fpgaforge.dataflow.quantspec import quantize_for_estimate
    from fpgaforge.frontend import load
    from tests.toy_models import mlp_onnx

    model = mlp_onnx(tmp_path / "m.onnx", (8, 12, 4))
    qgraph, how = quantize_for_estimate(load(str(model)), "int8")
    page = estimate_report(schedule(qgraph, "zcu104"), str(model), "int8", how)
    self_contained(page)
    assert page.count("<svg") == 3
    result = explore(str(model), ["ultra96v2", "zcu104"], ["int8", "int4"], workers=1)
    page = dse_report(result)
    self_contained(page)
    assert section_ids(page) == ["summary", "compare", "pareto"]


def test_report_command(built: Path, tmp_path: Path, capsys) -> None:
    html = tmp_path / "r.html"
    assert main(["report", str(built), "-o", str(html)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert 'id="csim"' in html.read_text()


def test_not_a_build_folder(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    html = tmp_path / "r.html"
    assert main(["report", str(tmp_path / "empty"), "-o", str(html)]) == 2
    err = capsys.readouterr().err
    assert "is not a build folder" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
    with pytest.raises(UsageError, match="is not a build folder"):
        build_report(tmp_path / "missing")


@pytest.mark.slow
@pytest.mark.rtlsim
def test_report_after_real_csim_rtlsim_and_synth(tmp_path: Path) -> None:
    """The whole chain for real: build, csim, rtlsim (Verilator), synth (yosys), report."""
    pytest.importorskip("cocotb")
    from fpgaforge.hls.csim import run_csim
    from fpgaforge.rtl.synth import synthesize
    from fpgaforge.sim.rtlsim import run_rtlsim

    out = tiny_build(tmp_path)
    assert run_csim(out).passed
    assert run_rtlsim(out).passed
    synthesize(out, "xcup")
    page = build_report(out)
    assert section_ids(page)[-3:] == ["csim", "rtlsim", "synth"]
