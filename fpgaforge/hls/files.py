"""Project files that are data, not templates: constant tables, test vectors, kernel copies."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import numpy as np

from fpgaforge.hls.errors import HlsError
from fpgaforge.hls.project import Design
from fpgaforge.hls.render import banner, render
from fpgaforge.ir.graph import Graph
from fpgaforge.units import layout

KERNELS = Path(__file__).parent / "kernels"


def _int_literal(value: int, ctype_: str) -> str:
    value = int(value)
    if not -(1 << 63) <= value < (1 << 63):
        raise HlsError(
            f"A constant {value} does not fit 64 bits; the HLS writer stores constants as 64-bit literals."
        )
    if -(1 << 31) <= value < (1 << 31):
        return str(value)
    return f"{value}LL" if value != -(1 << 63) else "(-9223372036854775807LL - 1)"


def plain_type(ctype_: str) -> str:
    """The smallest C integer type holding every code of `ctype_` (ap_int<W> / ap_uint<W> / C types)."""
    if "<" not in ctype_:
        return ctype_
    width = int(ctype_.split("<")[1].rstrip(">"))
    signed = ctype_.startswith("ap_int")
    for bits, name in ((8, "char"), (16, "short"), (32, "int"), (64, "long long")):
        if width <= bits:
            if name == "char":
                return "signed char" if signed else "unsigned char"
            return name if signed else f"unsigned {name}"
    raise HlsError(
        f"Constants of type {ctype_} are wider than 64 bits; the HLS writer cannot store them."
    )


def write_tables(design: Design, out: Path) -> list[Path]:
    files = []
    folder = out / "firmware" / "weights"
    folder.mkdir(parents=True, exist_ok=True)
    for table in design.tables:
        path = folder / f"{table.name}.h"
        text = render(
            "table.h.j2",
            table=table,
            values=VALUES_MARK,
            guard=table.name.upper() + "_H",
            plain=plain_type(table.ctype),
        )
        head, tail = text.split(VALUES_MARK)
        with path.open("w") as f:
            f.write(head)
            _write_literals(f, np.asarray(table.values), table.ctype)
            f.write(tail)
        files.append(path)
    return files


VALUES_MARK = "@@values@@"
"""Where the rendered table header takes its values (written in chunks, not held as one string)."""

CHUNK = 1 << 20
"""Values formatted at a time: a weight table of tens of millions of entries stays a stream."""


def _write_literals(f: TextIO, values: np.ndarray, ctype_: str) -> None:
    """`values` as comma-separated C literals (`_int_literal`), CHUNK at a time."""
    flat = values.reshape(-1)
    if flat.dtype.kind in "bf":
        flat = flat.astype(np.int64)
    for start in range(0, flat.size, CHUNK):
        part = flat[start : start + CHUNK]
        small = flat.dtype.kind in "iu" and -(1 << 31) <= int(part.min()) <= int(part.max()) < (
            1 << 31
        )
        items = part.tolist()
        text = ", ".join(map(str, items) if small else (_int_literal(v, ctype_) for v in items))
        f.write((", " if start else "") + text)


def write_vectors(design: Design, qgraph: Graph, vectors, out: Path) -> list[Path]:
    """Input codes and expected output codes, one vector per line, in stream order."""
    folder = out / "tb_data"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for port, value in zip(design.inputs, qgraph.inputs, strict=True):
        codes = layout.to_stream(np.asarray(vectors.input_codes[value.name]), value.shape)
        files.append(_write_codes(folder / f"{port.ident}.txt", codes))
    for port, value in zip(design.outputs, qgraph.outputs, strict=True):
        codes = layout.to_stream(np.asarray(vectors.output_codes[value.name]), value.shape)
        files.append(_write_codes(folder / f"{port.ident}_expected.txt", codes))
    return files


def _write_codes(path: Path, codes: np.ndarray) -> Path:
    lines = [" ".join(str(int(c)) for c in row) for row in codes.tolist()]
    path.write_text("\n".join(lines) + "\n")
    return path


def copy_kernels(design: Design, out: Path) -> list[Path]:
    folder = out / "kernels"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name in design.headers:
        target = folder / name
        # copied, not templated: the banner goes on top so every project file carries it
        target.write_text(
            f"{banner('//')} (copy of fpgaforge/hls/kernels/{name})\n"
            + (KERNELS / name).read_text()
        )
        files.append(target)
    return files
