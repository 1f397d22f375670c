"""The report's plots, drawn with matplotlib and returned as inline SVG text.

Each function takes plain data (the JSON shapes of the results) and returns one `<svg>`
element: no XML prologue, text kept as text, element ids unique per plot so that several
plots can share one page.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from typing import Any

_COUNTER = itertools.count()
BOUND_COLORS = {"compute": "#3b6ea8", "memory": "#d9822b"}
PALETTE = ("#3b6ea8", "#d9822b", "#3f9c5a", "#b54a4a", "#7d5ba6", "#8c6d31", "#2a9d9d")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def to_svg(fig: Any) -> str:
    """The figure as one `<svg>` element (fonts as text, ids salted per plot), then closed."""
    plt = _pyplot()
    salt = f"p{next(_COUNTER)}"
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(width: float, height: float) -> tuple[Any, Any]:
    plt = _pyplot()
    with plt.rc_context({"font.size": 9}):
        fig, ax = plt.subplots(figsize=(width, height))
    ax.grid(True, which="major", alpha=0.3)
    return fig, ax


def cycles(groups: dict[str, Sequence[dict[str, Any]]], title: str) -> str:
    """Cycles per stage (the stage's interval `ii`, log scale), one bar per group (precision)
    and stage, hatched where the stage is memory-bound."""
    names: list[str] = []
    for layers in groups.values():
        for layer in layers:
            if layer["name"] not in names:
                names.append(layer["name"])
    fig, ax = _figure(7.5, 0.35 * len(names) * max(1, len(groups)) + 1.2)
    height = 0.8 / max(1, len(groups))
    for g, (label, layers) in enumerate(groups.items()):
        by_name = {layer["name"]: layer for layer in layers}
        ys, xs, hatches = [], [], []
        for i, name in enumerate(names):
            if name in by_name:
                ys.append(i + g * height)
                xs.append(max(float(by_name[name]["ii"]), 1.0))
                hatches.append("//" if by_name[name]["bound"] == "memory" else "")
        bars = ax.barh(ys, xs, height=height, color=PALETTE[g % len(PALETTE)], label=label)
        for bar, hatch in zip(bars, hatches, strict=True):
            bar.set_hatch(hatch)
    ax.set_yticks([i + height * (len(groups) - 1) / 2 for i in range(len(names))], names)
    ax.invert_yaxis()
    intervals = [max(float(x["ii"]), 1.0) for layers in groups.values() for x in layers]
    if intervals and max(intervals) > 20 * min(intervals):
        ax.set_xscale("log")  # stages that differ by orders of magnitude
    ax.set_xlabel("cycles per inference (interval; hatched = memory-bound)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    return to_svg(fig)


def resources(groups: dict[str, dict[str, dict[str, float]]], title: str) -> str:
    """Percent of the device used per resource kind, one bar per group (precision), with the
    usable budget (planning limit) marked per kind."""
    kinds = ("dsp", "lut", "ff", "bram", "uram")
    fig, ax = _figure(7.5, 3.0)
    width = 0.8 / max(1, len(groups))
    for g, (label, res) in enumerate(groups.items()):
        xs = [i + g * width for i in range(len(kinds))]
        values = [res[k]["percent"] if res[k]["available"] else 0.0 for k in kinds]
        ax.bar(xs, values, width=width, color=PALETTE[g % len(PALETTE)], label=label)
    first = next(iter(groups.values()), None)
    if first:
        for i, k in enumerate(kinds):
            if first[k]["available"]:
                budget = 100.0 * first[k]["usable"] / first[k]["available"]
                ax.hlines(budget, i - 0.1, i + 0.9, colors="#b54a4a", linestyles="dashed")
    ax.set_xticks([i + width * (len(groups) - 1) / 2 for i in range(len(kinds))])
    ax.set_xticklabels(
        [f"{k.upper()}\n({first[k]['available']:,.0f})" if first else k.upper() for k in kinds]
    )
    ax.set_ylabel("% of the device (dashed: usable budget)")
    ax.set_ylim(0, 105)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return to_svg(fig)


def roofline(
    groups: dict[str, Sequence[dict[str, Any]]],
    bandwidth: float,
    dsp_roof: float,
    title: str,
) -> str:
    """Roofline (Zhang et al., FPGA'15): attained ops/s of each layer against its arithmetic
    intensity; the memory roof (bandwidth x intensity) and the DSP roof (one MAC per DSP per
    cycle). Layers with no off-chip traffic sit at the right edge, hollow."""
    points = [p for pts in groups.values() for p in pts]
    finite = [p["intensity"] for p in points if math.isfinite(p["intensity"])]
    right = max(finite + [dsp_roof / bandwidth if bandwidth else 1.0, 1.0]) * 30
    left = min(finite + [0.1]) / 3
    fig, ax = _figure(6.5, 4.0)
    xs = [left * (right / left) ** (i / 100) for i in range(101)]
    if bandwidth:
        ax.plot(
            xs,
            [min(bandwidth * x, dsp_roof) for x in xs],
            color="#444",
            label=f"roof: {bandwidth / 1e9:.3g} GB/s, DSP peak {dsp_roof / 1e9:.3g} GOP/s",
        )
    else:
        ax.axhline(dsp_roof, color="#444", label="DSP roof (no external memory)")
    for g, (label, pts) in enumerate(groups.items()):
        color = PALETTE[g % len(PALETTE)]
        for p in pts:
            x = p["intensity"] if math.isfinite(p["intensity"]) else right / 2
            ax.scatter(
                [x],
                [p["attained"]],
                marker=MARKERS[g % len(MARKERS)],
                facecolors=color if math.isfinite(p["intensity"]) else "none",
                edgecolors=color,
            )
        ax.scatter([], [], marker=MARKERS[g % len(MARKERS)], color=color, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(left, right)
    ax.set_xlabel("arithmetic intensity (ops per off-chip byte; hollow = all on chip)")
    ax.set_ylabel("ops/s attained")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    return to_svg(fig)


def pareto(rows: Sequence[dict[str, Any]], title: str, unit: str = "inference") -> str:
    """Throughput against energy per inference: FPGA design points (colour = board, marker
    = precision, size = largest resource fraction), the FPGA Pareto front joined, and the
    CPU / GPU rows as grey reference marks labelled with how they were obtained."""
    fig, ax = _figure(7.5, 4.5)
    fpga = [r for r in rows if r["kind"] == "fpga" and "error" not in r]
    boards = list(dict.fromkeys(r["target"] for r in fpga))
    quants = list(dict.fromkeys(r["precision"] for r in fpga))
    for r in fpga:
        ax.scatter(
            [r["energy_per_inference_j"]],
            [r["throughput"]],
            s=30 + 300 * min(r["resource_fraction"], 1.0),
            color=PALETTE[boards.index(r["target"]) % len(PALETTE)],
            marker=MARKERS[quants.index(r["precision"]) % len(MARKERS)],
            alpha=0.85,
            edgecolors="black" if r.get("pareto") else "none",
        )
    front = sorted((r for r in fpga if r.get("pareto")), key=lambda r: r["energy_per_inference_j"])
    if len(front) > 1:
        ax.plot(
            [r["energy_per_inference_j"] for r in front],
            [r["throughput"] for r in front],
            color="black",
            linewidth=0.8,
            linestyle="dotted",
        )
    for i, b in enumerate(boards):
        ax.scatter([], [], color=PALETTE[i % len(PALETTE)], label=f"FPGA {b} (estimated)")
    for i, q in enumerate(quants):
        ax.scatter([], [], color="#888", marker=MARKERS[i % len(MARKERS)], label=q)
    others = [
        r
        for r in rows
        if r["kind"] != "fpga" and "error" not in r and r.get("energy_per_inference_j")
    ]
    styles = {"cpu": ("s", "#555"), "gpu": ("^", "#999")}
    seen = set()
    for r in others:
        marker, color = styles[r["kind"]]
        how = r["provenance"]["throughput"]
        key = (r["kind"], how)
        ax.scatter(
            [r["energy_per_inference_j"]],
            [r["throughput"]],
            marker=marker,
            color=color,
            label=f"{r['kind'].upper()} ({how})" if key not in seen else None,
        )
        seen.add(key)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"energy per {unit} (J)")
    ax.set_ylabel(f"{unit}s/s")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="best")
    return to_svg(fig)


def sqnr(groups: dict[str, Sequence[dict[str, Any]]], title: str) -> str:
    """Per-tensor SQNR (dB) of each precision against the float model; exact tensors are
    drawn at the axis' right end."""
    names: list[str] = []
    for rows in groups.values():
        for r in rows:
            if r["tensor"] not in names:
                names.append(r["tensor"])
    values = [r["sqnr_db"] for rows in groups.values() for r in rows if r["sqnr_db"] is not None]
    top = max(values + [10.0]) * 1.1
    fig, ax = _figure(7.5, 0.3 * len(names) * max(1, len(groups)) + 1.2)
    height = 0.8 / max(1, len(groups))
    for g, (label, rows) in enumerate(groups.items()):
        by_name = {r["tensor"]: r for r in rows}
        ys = [i + g * height for i, n in enumerate(names) if n in by_name]
        xs = [
            top if by_name[n]["sqnr_db"] is None else by_name[n]["sqnr_db"]
            for n in names
            if n in by_name
        ]
        ax.barh(ys, xs, height=height, color=PALETTE[g % len(PALETTE)], label=label)
    ax.set_yticks([i + height * (len(groups) - 1) / 2 for i in range(len(names))], names)
    ax.invert_yaxis()
    ax.set_xlabel("SQNR vs float (dB, higher is better)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return to_svg(fig)


def verification_cycles(rows: Sequence[tuple[str, float, float | None]], title: str) -> str:
    """Simulated against estimated cycles (latency, interval)."""
    fig, ax = _figure(5.5, 2.6)
    labels = [r[0] for r in rows]
    ax.bar([i - 0.2 for i in range(len(rows))], [r[1] for r in rows], 0.4, label="simulated")
    ax.bar(
        [i + 0.2 for i in range(len(rows))],
        [r[2] or 0 for r in rows],
        0.4,
        label="estimated",
        color=PALETTE[1],
    )
    ax.set_xticks(range(len(rows)), labels)
    ax.set_ylabel("cycles")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return to_svg(fig)


def synth_resources(resources: dict[str, dict[str, Any]], title: str) -> str:
    """yosys against the estimate, per resource kind (log scale)."""
    kinds = [k for k, v in resources.items() if v.get("yosys") is not None]
    fig, ax = _figure(5.5, 2.6)
    ax.bar(
        [i - 0.2 for i in range(len(kinds))],
        [max(resources[k]["yosys"], 0.1) for k in kinds],
        0.4,
        label="yosys",
    )
    ax.bar(
        [i + 0.2 for i in range(len(kinds))],
        [max(resources[k].get("estimate") or 0.1, 0.1) for k in kinds],
        0.4,
        label="estimate",
        color=PALETTE[1],
    )
    ax.set_xticks(range(len(kinds)), [k.upper() for k in kinds])
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return to_svg(fig)
