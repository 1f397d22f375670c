"""report/ sits above the library and below the commands: imports go downward only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fpgaforge"
ABOVE_THE_LIBRARY = ("fpgaforge.report", "fpgaforge.commands", "fpgaforge.cli")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy imports inside functions too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def library_files() -> list[Path]:
    skip = {PACKAGE / "report", PACKAGE / "commands", PACKAGE / "cli.py"}
    return [
        p for p in sorted(PACKAGE.rglob("*.py")) if not any(p == s or s in p.parents for s in skip)
    ]


@pytest.mark.parametrize("path", library_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_does_not_import_report_or_commands(path: Path) -> None:
    wrong = sorted(n for n in imported_modules(path) if _under(n, ABOVE_THE_LIBRARY))
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {', '.join(wrong)}"


def test_report_does_not_import_commands_or_cli() -> None:
    for path in sorted((PACKAGE / "report").rglob("*.py")):
        wrong = sorted(
            n for n in imported_modules(path) if _under(n, ("fpgaforge.commands", "fpgaforge.cli"))
        )
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {', '.join(wrong)}"


def test_the_check_sees_imports() -> None:
    assert len(library_files()) > 50
    assert "fpgaforge.dataflow.dse.to_json" in imported_modules(
        PACKAGE / "report" / "json_shapes.py"
    )
