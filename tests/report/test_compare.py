"""`fpgaforge compare` as a library and as a command: rows, provenance, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fpgaforge.cli import main
from fpgaforge.errors import FpgaforgeError, UsageError
from fpgaforge.report.compare import compare
from tests.toy_models import mlp_onnx


@pytest.fixture(scope="module")
def mlp(tmp_path_factory) -> Path:
    return mlp_onnx(tmp_path_factory.mktemp("compare") / "mlp.onnx", (16, 24, 10))


@pytest.fixture(scope="module")
def result(mlp: Path) -> dict:
    return compare(
        str(mlp),
        ["ultra96v2", "zcu104"],
        ["int8", "fixed:8,3"],
        cpu=True,
        gpu_models=["rtx4090"],
        batch=8,
        budget_s=0.05,
    )


def test_rows_say_how_each_figure_was_obtained(result: dict) -> None:
    kinds = [r["kind"] for r in result["rows"]]
    assert kinds.count("fpga") == 4 and "cpu" in kinds and kinds.count("gpu") >= 2
    for row in result["rows"]:
        if "error" in row:
            continue
        assert row["throughput"] > 0 and row["latency_s"] > 0
        assert set(row["provenance"].values()) <= {"measured", "estimated", "modeled", "assumed"}
        if row["kind"] == "fpga":
            assert set(row["provenance"].values()) == {"estimated"}
            assert row["resources"]["dsp"] >= 0 and 0 <= row["resource_fraction"]
        if row["kind"] == "cpu":
            assert row["provenance"]["throughput"] == "measured"
            assert row["provenance"]["power"] in ("measured", "assumed")
            assert row["timing"]["batch_1"]["runs"] >= 5
            assert "RAPL" in row["power_source"] or "assumed" in row["power_source"]
        if row["device"] == "NVIDIA GeForce RTX 4090":
            assert set(row["provenance"].values()) == {"modeled"}
    assert any(r.get("pareto") for r in result["rows"])
    assert {r["precision"] for r in result["rows"] if r["kind"] == "cpu"} <= {"fp32", "int8"}


def test_detail_for_the_html(result: dict) -> None:
    assert [(d["board"], d["quant"]) for d in result["fpga"]] == [
        ("ultra96v2", "int8"),
        ("zcu104", "int8"),
        ("ultra96v2", "fixed:8,3"),
        ("zcu104", "fixed:8,3"),
    ]
    assert all(d["layers"] and d["roofline"] for d in result["fpga"])
    assert set(result["sqnr"]) == {"int8", "fixed:8,3"}
    assert result["workload"]["macs"] == 16 * 24 + 24 * 10


def test_unknown_board_and_gpu_fail_first(mlp: Path) -> None:
    with pytest.raises(FpgaforgeError, match="Unknown board .nosuchboard."):
        compare(str(mlp), ["ultra96v2", "nosuchboard"], ["int8"])
    with pytest.raises(UsageError, match="no datasheet entry"):
        compare(str(mlp), ["ultra96v2"], ["int8"], gpu=True, gpu_models=["voodoo5"])


def test_command_writes_table_json_and_html(mlp: Path, tmp_path: Path, capsys) -> None:
    html = tmp_path / "cmp.html"
    argv = ["compare", str(mlp), "--boards", "ultra96v2", "--quant", "int8", "--gpu"]
    assert main([*argv, "--gpu-model", "a100", "--budget", "0.05", "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert "ultra96v2" in out and "modeled" in out and "a100" in out
    data = json.loads((tmp_path / "cmp.json").read_text())
    assert data["schema"] == "fpgaforge.compare/1"
    assert "<svg" in html.read_text() and "modeled" in html.read_text()


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--boards", "ultra96v2,nosuchboard"], "nosuchboard"),
        (["--boards", "ultra96v2", "--gpu", "--gpu-model", "voodoo5"], "no datasheet entry"),
    ],
)
def test_bad_input_is_one_sentence_and_no_file(
    mlp: Path, tmp_path: Path, capsys, extra: list[str], words: str
) -> None:
    html = tmp_path / "cmp.html"
    assert main(["compare", str(mlp), *extra, "--html", str(html)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
