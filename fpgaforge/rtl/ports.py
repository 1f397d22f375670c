"""Ports and parameters of a generated top, read with pyverilog (for testbenches and drivers)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fpgaforge.rtl.errors import RtlToolError


def _cache_dir() -> Path:
    base = Path(os.environ.get("FPGAFORGE_CACHE_DIR", Path.home() / ".cache" / "fpgaforge"))
    folder = base / "pyverilog"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _int(node: Any) -> int:
    return (
        int(str(node.value).split("'")[-1].lstrip("dD"), 10)
        if "'" in str(node.value)
        else int(node.value)
    )


def top_ports(rtl: str | Path) -> dict[str, dict[str, Any]]:
    """Port name → {direction, width} of the generated top in `rtl` (a project's rtl/ folder)."""
    try:
        from pyverilog.vparser import ast
        from pyverilog.vparser.parser import parse
    except ImportError as exc:
        raise RtlToolError(
            "pyverilog is not installed; install the PyPI package `pyverilog`."
        ) from exc
    folder = Path(rtl)
    project = json.loads((folder / "project.json").read_text())
    top_file = folder / f"{project['top']}.v"
    tree, _ = parse([str(top_file)], outputdir=str(_cache_dir()), debug=False)
    ports: dict[str, dict[str, Any]] = {}
    for definition in tree.description.definitions:
        if not isinstance(definition, ast.ModuleDef) or definition.name != project["top"]:
            continue
        for port in definition.portlist.ports:
            decl = port.first if isinstance(port, ast.Ioport) else port
            width = 1
            if decl.width is not None:
                width = _int(decl.width.msb) - _int(decl.width.lsb) + 1
            direction = {"Input": "input", "Output": "output", "Inout": "inout"}[
                type(decl).__name__
            ]
            ports[decl.name] = {"direction": direction, "width": width}
    if not ports:
        raise RtlToolError(f"pyverilog found no module {project['top']!r} in '{top_file}'.")
    return ports
