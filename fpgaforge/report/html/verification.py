"""The verification sections of a build's report: C-simulation, RTL simulation, synthesis."""

from __future__ import annotations

from typing import Any

from fpgaforge.report.html import plots
from fpgaforge.report.html.sections import cell, section, table
from fpgaforge.report.numbers import grouped, optional, ratio


def _verdict(passed: bool) -> dict[str, str]:
    return cell("PASS" if passed else "FAIL", "pass" if passed else "fail")


def csim(result: dict[str, Any]) -> dict[str, Any]:
    passed = result["mismatches"] == 0 and result["vectors"] > 0
    return section(
        "csim",
        "C-simulation (g++)",
        tables=[
            table(
                ("verdict", "vectors", "mismatches", "max |diff|", "compile", "run"),
                [
                    [
                        _verdict(passed),
                        result["vectors"],
                        result["mismatches"],
                        result["max_diff"],
                        f"{result['compile_s']:.2f} s",
                        f"{result['run_s']:.3f} s",
                    ]
                ],
                "HLS testbench output codes against the integer emulation (measured)",
            )
        ],
    )


def rtlsim(runs: dict[str, dict[str, Any]], estimates: dict[str, Any]) -> dict[str, Any]:
    """One row per simulator; cycles against the scheduler's estimate."""
    est_lat = estimates.get("latency_cycles")
    est_int = estimates.get("interval_cycles")
    rows, plot_rows = [], []
    for simulator, r in runs.items():
        mismatches = int(r["mismatches"]) + int(r.get("tlast_errors", 0))
        passed = mismatches == 0 and int(r["received"]) == int(r["vectors"]) > 0
        rows.append(
            [
                cell(simulator, "left"),
                _verdict(passed),
                f"{r['received']}/{r['vectors']}",
                mismatches,
                grouped(r["latency_cycles"]),
                optional(est_lat, ",.0f"),
                ratio(r["latency_cycles"], est_lat),
                grouped(r["interval_cycles"]),
                optional(est_int, ",.0f"),
                ratio(r["interval_cycles"], est_int),
            ]
        )
        plot_rows = [
            ("latency", float(r["latency_cycles"]), est_lat),
            ("interval", float(r["interval_cycles"]), est_int),
        ]
    columns = (
        "simulator",
        "verdict",
        "received",
        "mismatches",
        "latency (sim)",
        "latency (est.)",
        "ratio",
        "interval (sim)",
        "interval (est.)",
        "ratio",
    )
    return section(
        "rtlsim",
        "RTL simulation (cocotb)",
        tables=[table(columns, rows, "simulated cycles (measured) against the estimate")],
        plots=[
            {
                "svg": plots.verification_cycles(plot_rows, "simulated vs estimated cycles"),
                "caption": "Cycles of the last simulator run against the scheduler's estimate.",
            }
        ],
    )


def synth(reports: dict[str, dict[str, Any]]) -> dict[str, Any]:
    tables, figures = [], []
    for family, report in reports.items():
        res = report["resources"]
        tables.append(
            table(
                ("resource", "yosys", "estimate", "yosys/estimate"),
                (
                    [
                        cell(k.upper(), "left"),
                        grouped(v["yosys"], 1 if k == "bram" else 0),
                        grouped(v.get("estimate"), 1 if k == "bram" else 0),
                        optional(v.get("ratio"), ".2f"),
                    ]
                    for k, v in res.items()
                ),
                f"{report['top']}: yosys synth for {family} (measured) against the design "
                f"estimate; yosys took {report['yosys']['seconds']:.0f} s",
            )
        )
        figures.append(
            {
                "svg": plots.synth_resources(res, f"{family}: yosys vs estimate"),
                "caption": "Resource counts from yosys `stat -json` against the estimate.",
            }
        )
    return section("synth", "Synthesis (yosys)", tables=tables, plots=figures)
