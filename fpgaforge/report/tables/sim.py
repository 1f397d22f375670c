"""`fpgaforge csim` and `fpgaforge rtlsim`: pass or fail, mismatches, times and cycles."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from fpgaforge.report.numbers import cycles, ratio, seconds


def csim_lines(result: Any) -> list[str]:
    """Vectors and mismatches, compile and run times, and the verdict."""
    codes = getattr(result, "codes", 0)
    counted = f"  codes compared: {codes:,}" if codes else ""
    lines = [
        f"vectors: {result.vectors}{counted}  mismatches: {result.mismatches}  "
        f"max |diff|: {result.max_diff}",
        f"g++ {result.opt}"
        + (" (precompiled header)" if result.precompiled else "")
        + f": {seconds(result.compile_s, 2)}  run: {seconds(result.run_s, 3)}",
    ]
    if result.passed:
        lines.append("PASS: every output code equals the expected code")
    else:
        lines.append(
            "FAIL: outputs differ from the expected codes"
            if result.vectors
            else "FAIL: no vectors were run"
        )
    return lines


def print_csim(console: Console, result: Any) -> None:
    for line in csim_lines(result):
        console.print(line)


def rtlsim_lines(result: Any) -> list[str]:
    """Verdict, latency and interval against the estimate, speed, and each mismatching vector."""
    status = "PASS" if result.passed else "FAIL"
    lines = [
        f"{status}: {result.received}/{result.vectors} vectors, {result.mismatches} mismatches "
        f"({result.simulator}, {result.engine} bench"
        + (f" built with {result.compiler}" if result.compiler else "")
        + f", top {result.top})",
        f"latency  {cycles(result.latency_cycles)} (estimate {_estimate(result.est_latency_cycles)}, "
        f"ratio {ratio(result.latency_cycles, result.est_latency_cycles)})",
        f"interval {cycles(result.interval_cycles)} (estimate {_estimate(result.est_interval_cycles)}, "
        f"ratio {ratio(result.interval_cycles, result.est_interval_cycles)})",
        f"{result.cycles_per_second:,.0f} simulated cycles/s "
        f"({result.simulated_cycles:,} cycles in {seconds(_timed(result), 3)}"
        + (f"; run {seconds(result.wall_s, 3)} with start-up" if result.simulation_s else "")
        + (
            f"; {result.processes} processes side by side, "
            f"{result.cycles_per_second / result.processes:,.0f} cycles/s each"
            if result.processes > 1
            else ""
        )
        + "), "
        + (f"build {seconds(result.build_s)}" if result.build_s else "cached build"),
    ]
    lines += [f"  register: {error}" for error in result.register_errors]
    lines += [f"  vector {item['vector']}: positions {item['positions']}" for item in result.detail]
    return lines


def _estimate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _timed(result: Any) -> float:
    return result.simulation_s if result.simulation_s else result.wall_s


def print_rtlsim(console: Console, result: Any) -> None:
    for line in rtlsim_lines(result):
        console.print(line)
