"""`fpgaforge build`: what was built and where."""

from __future__ import annotations

from typing import Any

from rich.console import Console


def summary_line(model: str, board: str, quant: str, sched: Any) -> str:
    """`digits_cnn on ultra96v2 (int8, streaming, 200 MHz): 3,125,000 inferences/s, latency 0.9 µs`."""
    if sched.mode == "decode":
        return (
            f"{model} on {board} ({quant}, decode step, {sched.clock_mhz:g} MHz): "
            f"{sched.cycles_per_token:,.0f} cycles per token (estimate), "
            f"{sched.tokens_per_s:,.0f} tokens/s"
            + (
                f"; RTL top {sched.rtl['cycles_per_token']:,.0f} cycles per token"
                if getattr(sched, "rtl", None)
                else ""
            )
        )
    return (
        f"{model} on {board} ({quant}, {sched.mode}, {sched.clock_mhz:g} MHz): "
        f"{sched.throughput:,.0f} inferences/s, latency {sched.latency_s * 1e6:,.1f} µs"
    )


def print_build(console: Console, model: str, board: str, quant: str, result: Any) -> None:
    """The schedule's summary line and the number of files written."""
    console.print(summary_line(model, board, quant, result.schedule))
    console.print(f"wrote {len(result.files)} files under {result.out_dir}")
    stored, asked = getattr(result, "vectors", 0), getattr(result, "vectors_asked", 0)
    if 0 < stored < asked:
        console.print(
            f"stored {stored:,} test vectors, not the {asked:,} asked for: the calibration "
            f"data has {stored:,} rows (pass more rows with --calib, or leave --calib out to "
            f"draw vectors within the calibrated ranges)"
        )
