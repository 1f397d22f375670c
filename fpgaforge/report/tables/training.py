"""`fpgaforge estimate --train`: the step summary and the per-GEMM table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def print_training(result: dict[str, Any], console: Console, *, layers: bool = False) -> None:
    """The N:M and dense steps of a `training_estimate` result, the speedup and its bounds;
    with `layers`, every GEMM of the step (`layer_table`)."""
    e = result["engine"]
    console.print(
        f"training step, batch {result['batch']}, {result['pattern']} on a "
        f"{e['rows']}x{e['cols']} array split in up to {e['splits_max']} segments "
        f"({e['vector_lanes']} vector lanes) at {result['clock_mhz']:g} MHz"
    )
    for name in ("sparse", "dense"):
        s = result[name]
        label = result["pattern"] if name == "sparse" else "dense"
        console.print(
            f"  {label:>6}: {s['step_s'] * 1e3:.3f} ms/step, {s['samples_per_s']:,.0f} samples/s, "
            f"{s['energy_j'] * 1e3:.3f} mJ/step"
        )
        phases = ", ".join(f"{k} {v:,.0f}" for k, v in s["phases"].items())
        console.print(
            f"          {s['cycles']:,.0f} cycles (the vector unit overlapping the array; "
            f"{s['serial_cycles']:,.0f} one part after another); busy: {phases}"
        )
    if layers:
        console.print(layer_table(result))
    console.print(
        f"  speedup over dense training {result['speedup']:.2f}x "
        f"(bound with a dense weight gradient: {result['bound']:.2f}x; this model's GEMMs, "
        f"their MACs alone: {result['work_bound']:.2f}x; on this array, every N:M GEMM at N/M "
        f"of its dense cycles or at its off-chip transfers: {result['array_bound']:.2f}x)"
    )


def layer_table(result: dict[str, Any]) -> Table:
    """One row per GEMM of the N:M step in the order the array runs them: its cycles against
    the dense step's and what bounds each (the array, or its off-chip transfers)."""
    pattern = result["pattern"]
    table = Table(title=f"training step GEMMs, {pattern} against dense")
    for column in (
        "layer",
        "phase",
        "N:M",
        f"{pattern} cycles",
        "bound",
        "dense cycles",
        "bound",
        "ratio",
    ):
        table.add_column(
            column, justify="right" if "cycles" in column or column == "ratio" else "left"
        )
    for row in result["layers"]:
        table.add_row(
            escape(row["layer"]),
            row["phase"],
            "yes" if row["sparse"] else "",
            f"{row['cycles']:,.0f}",
            row["bound"],
            f"{row['dense_cycles']:,.0f}",
            row["dense_bound"],
            f"{row['cycles'] / row['dense_cycles']:.2f}" if row["dense_cycles"] else "-",
        )
    return table
