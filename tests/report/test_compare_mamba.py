"""`compare` on a built-in Mamba-2 configuration: per-token rows (decode), FPGA estimated,
CPU measured with the reference model, GPU modeled; the text and HTML say tokens."""

from __future__ import annotations

import pytest

from fpgaforge.errors import UsageError
from fpgaforge.report.compare_mamba import compare_mamba as compare
from fpgaforge.report.html import compare_report
from fpgaforge.report.tables.compare import columns

MODEL = "mamba2-micro"


@pytest.fixture(scope="module")
def result() -> dict:
    return compare(
        MODEL,
        ["u280", "vck190"],
        ["lightmamba"],
        cpu=True,
        gpu_models=["h100"],
        batch=2,
        budget_s=0.05,
    )


def test_rows_per_token(result):
    assert result["unit"] == "token"
    kinds = [r["kind"] for r in result["rows"]]
    assert kinds == ["fpga", "fpga", "cpu", "gpu", "gpu"]
    fpga, cpu, gpu = result["rows"][0], result["rows"][2], result["rows"][3]
    assert fpga["provenance"]["throughput"] == "estimated" and fpga["throughput"] > 0
    assert fpga["energy_per_inference_j"] == pytest.approx(fpga["power_w"] / fpga["throughput"])
    assert cpu["provenance"]["throughput"] == "measured" and cpu["throughput"] > 0
    assert cpu["batch"] == 2 and cpu["latency_s"] > 0
    assert gpu["provenance"]["throughput"] == "modeled"
    assert any(r.get("pareto") for r in result["rows"][:2])


def test_text_and_html_say_tokens(result):
    assert "tokens/s" in columns("token") and "energy/token" in columns("token")
    page = compare_report(result)
    assert "tokens/s" in page and "MACs per token" in page
    assert "<svg" in page


def test_only_lightmamba_specs():
    with pytest.raises(UsageError, match="--quant lightmamba"):
        compare(MODEL, ["u280"], ["int4"])
