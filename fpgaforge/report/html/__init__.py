"""The HTML report: one self-contained page (inline CSS, plots as inline SVG from
matplotlib, no scripts and no network), laid out by the Jinja template file
`templates/report.html.j2` from the sections of `sections.py` and `verification.py`.

    compare_report(result)      `fpgaforge compare --html`
    estimate_report(sched, r)   `fpgaforge estimate --html`
    dse_report(result)          `fpgaforge dse --html`
    build_report(folder)        `fpgaforge report OUT`: a build folder with its csim, rtlsim
                                and synth results when they were run
    write_html(path, text)      through a temporary file and a rename: no partial page
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from fpgaforge.outputs import write_output_file
from fpgaforge.report.html import sections, verification
from fpgaforge.report.numbers import joules, number, si, watts
from fpgaforge.version import __version__

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(title: str, subtitle: str, parts: list[dict[str, Any]]) -> str:
    """The page for these sections."""
    return (
        _environment()
        .get_template("report.html.j2")
        .render(title=title, subtitle=subtitle, sections=parts, version=__version__)
    )


def write_html(
    path: str | os.PathLike, text: str, *, inputs: tuple[str | os.PathLike | None, ...] = ()
) -> None:
    """Write the page whole or not at all, never onto one of the command's `inputs`."""
    write_output_file(path, text, inputs=inputs, option="--html")


def compare_report(result: dict[str, Any]) -> str:
    rows = result["rows"]
    unit = result.get("unit", "inference")
    parts = [
        sections.summary(
            sections.workload_facts(result["workload"], unit)
            + [
                ("boards", ", ".join(result["boards"])),
                ("precisions", ", ".join(result["quants"])),
                ("CPU/GPU batch", str(result["batch"])),
            ]
        ),
        sections.comparison(rows, unit),
        sections.pareto(rows, unit=unit),
        *sections.boards(result["fpga"]),
        sections.sqnr(
            result["sqnr"],
            "Measured by running the float graph and the quantized graph's integer emulation "
            "on the calibration inputs.",
        ),
    ]
    return render(f"{result['model']}: FPGA, CPU and GPU", "fpgaforge compare", parts)


def _estimate_facts(row: dict[str, Any], detail: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("board", f"{detail['board']} ({detail['mode']}, {detail['clock_mhz']:g} MHz)"),
        ("precision", detail["quant"]),
        ("throughput", f"{number(row['throughput'])} inferences/s (estimated)"),
        ("latency", f"{si(row['latency_s'], 's')} (estimated)"),
        ("power", f"{watts(row['power_w'])} (estimated)"),
        ("energy per inference", f"{joules(row['energy_per_inference_j'])} (estimated)"),
        ("bound", row["bound"]),
    ]


def estimate_report(sched: Any, model: str, quant: str, how: str) -> str:
    from fpgaforge.report.compare import fpga_entry

    row, detail = fpga_entry(sched, os.path.basename(model), quant, how)
    parts = [
        sections.summary(_estimate_facts(row, detail)),
        *sections.boards([detail]),
    ]
    if row["notes"]:
        parts[0]["notes"] = row["notes"]
    return render(f"{os.path.basename(model)} on {sched.board}", "fpgaforge estimate", parts)


def dse_report(result: dict[str, Any]) -> str:
    rows = [
        {
            "kind": "fpga",
            "target": p["board"],
            "device": p["board"],
            "precision": f"{p['quant']} ({p['mode']})",
            "runtime": "fpgaforge estimate",
            "batch": 1,
            "provenance": dict.fromkeys(("throughput", "latency", "power", "energy"), "estimated"),
            **{k: v for k, v in p.items() if k not in ("board", "quant", "mode")},
        }
        for p in result["points"]
    ]
    ok = [r for r in rows if "error" not in r]
    parts = [
        sections.summary([("model", result["model"]), ("design points", str(len(rows)))]),
        sections.comparison(rows),
        sections.pareto(ok),
    ]
    return render(f"{result['model']}: design space", "fpgaforge dse", parts)


def build_report(folder: str | os.PathLike) -> str:
    """The report of a build folder (see `build_folder.read_build`)."""
    from fpgaforge.dataflow.schedule import Schedule
    from fpgaforge.report.compare import fpga_entry
    from fpgaforge.report.html.build_folder import read_build

    data = read_build(folder)
    build = data["build"]
    sched = Schedule.from_json(data["schedule"])
    row, detail = fpga_entry(sched, build["model"], build["quant"], "calibrated")
    facts = [("model", build["model"]), ("backend", build["backend"])]
    facts += _estimate_facts(row, detail)
    facts.append(("test vectors", str(build.get("vectors", "-"))))
    parts = [sections.summary(facts), *sections.boards([detail])]
    if "quant_errors" in data:
        parts.append(
            sections.sqnr(
                {build["quant"]: data["quant_errors"]},
                "Measured at build time on the first test vectors' inputs.",
            )
        )
    missing = []
    if "csim" in data:
        parts.append(verification.csim(data["csim"]))
    else:
        missing.append("C-simulation (`fpgaforge csim`)")
    if "rtlsim" in data:
        estimates = sched.report
        parts.append(
            verification.rtlsim(
                data["rtlsim"],
                {
                    "latency_cycles": estimates.latency_cycles,
                    "interval_cycles": estimates.interval_cycles,
                },
            )
        )
    else:
        missing.append("RTL simulation (`fpgaforge rtlsim`)")
    if "synth" in data:
        parts.append(verification.synth(data["synth"]))
    else:
        missing.append("synthesis (`fpgaforge synth`)")
    if missing:
        parts.append(
            sections.section(
                "not-run",
                "Not run",
                text="This build has no results yet for: " + "; ".join(missing) + ".",
            )
        )
    return render(f"{build['model']} on {sched.board}", f"build folder {data['folder']}", parts)
