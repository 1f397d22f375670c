"""The `build` summary line."""

from __future__ import annotations

from types import SimpleNamespace

from fpgaforge.report.tables import build


def test_summary_line() -> None:
    sched = SimpleNamespace(
        mode="streaming", clock_mhz=200.0, throughput=3125000.0, latency_s=8.9e-07
    )
    assert build.summary_line("digits_cnn", "ultra96v2", "int8", sched) == (
        "digits_cnn on ultra96v2 (int8, streaming, 200 MHz): 3,125,000 inferences/s, latency 0.9 µs"
    )


def test_print_build(mlp_schedule, text_console) -> None:
    result = SimpleNamespace(schedule=mlp_schedule, files=["a", "b", "c"], out_dir="/tmp/out")
    build.print_build(text_console, "digits_mlp", "ultra96v2", "int8", result)
    lines = text_console.export_text().splitlines()
    assert lines[0].startswith("digits_mlp on ultra96v2 (int8, streaming, 200 MHz): ")
    assert lines[1] == "wrote 3 files under /tmp/out"


def test_print_build_says_when_the_data_has_fewer_vectors(mlp_schedule, text_console) -> None:
    result = SimpleNamespace(
        schedule=mlp_schedule, files=["a"], out_dir="/tmp/out", vectors=300, vectors_asked=1000
    )
    build.print_build(text_console, "digits_mlp", "ultra96v2", "int8", result)
    lines = text_console.export_text().splitlines()
    assert lines[2].startswith("stored 300 test vectors, not the 1,000 asked for: the calibration")
