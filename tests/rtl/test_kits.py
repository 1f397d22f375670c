"""The RTL backend is a driver over unit kits: every kit that names Verilog modules builds
them in its own `rtl.py`, the modules exist in the library, and the builders stay below
the backend (they import nothing from rtl/, dataflow/, hls/ or sim/)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fpgaforge.units
from fpgaforge.rtl.generator import VERILOG_DIR
from fpgaforge.units import kits

UNITS = Path(fpgaforge.units.__file__).parent
ABOVE = ("fpgaforge.rtl", "fpgaforge.dataflow", "fpgaforge.hls", "fpgaforge.sim")


@pytest.mark.parametrize("kit", [k for k in kits() if k.verilog_modules], ids=lambda k: k.name)
def test_kit_with_verilog_modules_has_an_rtl_builder(kit):
    rtl = kit.part("rtl")
    assert rtl is not None, f"{kit!r} names {kit.verilog_modules} but has no rtl.py"
    assert callable(getattr(rtl, "build", None)), f"{kit!r}'s rtl.py has no build()"
    for module in kit.verilog_modules:
        assert (VERILOG_DIR / f"{module}.v").is_file(), f"{kit!r} names a missing {module}"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


BUILDER_FILES = sorted(UNITS.glob("*/rtl.py")) + [
    UNITS / "netlist.py",
    UNITS / "rom.py",
    UNITS / "errors.py",
    UNITS / "tiled_gemm" / "commands.py",
]


@pytest.mark.parametrize("path", BUILDER_FILES, ids=lambda p: str(p.relative_to(UNITS)))
def test_builders_import_only_downward(path):
    upward = sorted(m for m in _imports(path) if m.startswith(ABOVE))
    assert not upward, f"{path.relative_to(UNITS)} imports {upward}"
