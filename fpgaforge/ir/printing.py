"""Plain-text rendering of a graph: `print(graph)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fpgaforge.ir.summary import summarize

if TYPE_CHECKING:
    from fpgaforge.ir.graph import Graph

COLUMNS = ("#", "node", "op", "output shape", "params", "MACs")


def format_count(n: int) -> str:
    """1234567 → '1.23M' (exact below 10,000)."""
    for threshold, unit, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if n >= threshold:
            return f"{n / unit:.2f}{suffix}"
    return str(n)


def shape_text(shapes: tuple[tuple[int, ...], ...]) -> str:
    return ", ".join("x".join(str(d) for d in s) if s else "scalar" for s in shapes)


def table_rows(graph: Graph) -> list[tuple[str, ...]]:
    summary = summarize(graph)
    rows = []
    for i, node in enumerate(summary.nodes):
        op = node.op + (f" ({node.detail})" if node.detail else "")
        rows.append(
            (
                str(i),
                node.name,
                op,
                shape_text(node.output_shapes),
                format_count(node.params),
                format_count(node.macs),
            )
        )
    return rows


def format_graph(graph: Graph) -> str:
    """A fixed-width table of the graph's nodes with totals."""
    summary = summarize(graph)
    rows = table_rows(graph)
    widths = [
        max(len(COLUMNS[c]), *(len(r[c]) for r in rows)) if rows else len(COLUMNS[c])
        for c in range(len(COLUMNS))
    ]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.rjust(w) if c in (0, 4, 5) else cell.ljust(w)
            for c, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    inputs = ", ".join(f"{n} {shape_text((s,))} {d}" for n, s, d in summary.inputs)
    outputs = ", ".join(f"{n} {shape_text((s,))}" for n, s, _ in summary.outputs)
    out = [
        f"Graph {summary.name!r}  inputs: {inputs}  outputs: {outputs}",
        line(COLUMNS),
        line(tuple("-" * w for w in widths)),
    ]
    out.extend(line(r) for r in rows)
    out.append(
        f"total: {len(summary.nodes)} nodes, {summary.total_params:,} parameters, {summary.total_macs:,} MACs"
    )
    return "\n".join(out)
