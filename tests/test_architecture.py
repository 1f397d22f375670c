"""The package's shape: no import cycles, imports only go down the layers, small modules.

The import graph is read from the source with `ast`: every `import` and `from ... import`
anywhere in a module (also inside functions), relative ones resolved, `from pkg import name`
counted as an import of the submodule `pkg.name` when there is one; imports under
`if TYPE_CHECKING:` are left out (they never run). As in other import checkers, the edge goes
to the module named: importing `a.b.c` also runs `a/__init__.py`, which the graph leaves out.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import fpgaforge

ROOT = Path(fpgaforge.__file__).parent

# bottom to top; a module may import its own layer and the layers below it
LAYERS = [
    {"errors", "names", "version", "outputs"},
    {"numerics"},
    {"ir"},
    {"frontend", "quant", "boards", "models", "baselines"},
    {"units"},
    {"dataflow"},
    {"hls", "rtl"},
    {"sim"},
    {"report"},
    {"commands", "cli", "flow", "__init__"},
]
MAX_LINES = 600


def _modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name → source file, for every module of the package in `root`."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _is_type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:`."""
    test = node.test if isinstance(node, ast.If) else None
    return getattr(test, "id", getattr(test, "attr", None)) == "TYPE_CHECKING"


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that module `name` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # `from ..x import y`: up level - 1 packages from this one
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    out = set()
    for target in found:
        while target and target not in modules:  # `import a.b.c` of a name inside a.b
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the package's modules it imports."""
    modules = _modules(root)
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def _shortest_cycle(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """The shortest import chain from `start` back to itself (breadth first), or None."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node]):
            if nxt == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(parent[chain[-1]])
                return chain[::-1]
            if nxt not in parent:
                parent[nxt] = node
                queue.append(nxt)
    return None


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle through each module that is on one, deduplicated, shortest first."""
    cycles = {}
    for module in graph:
        cycle = _shortest_cycle(graph, module)
        if cycle:
            i = cycle.index(min(cycle))
            cycles[tuple(cycle[i:] + cycle[:i])] = None
    return sorted((list(c) for c in cycles), key=lambda c: (len(c), c))


def layer(module: str) -> int:
    """The index in LAYERS of the package's first-level folder or module that holds `module`."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"Module {module!r} is in no layer; add {top!r} to LAYERS.")


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """'importer -> imported' for every import of a higher layer."""
    return [
        f"{module} -> {target}"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer(target) > layer(module)
    ]


def test_import_graph_of_a_small_package(tmp_path):
    files = {
        "__init__.py": "from pkg.a import f\n",
        "a.py": "import os\n\ndef f():\n    from . import b\n",
        "b.py": "from typing import TYPE_CHECKING\nfrom pkg.sub import c\n"
        "if TYPE_CHECKING:\n    from pkg import a\n",
        "sub/__init__.py": "",
        "sub/c.py": "from ..a import f\nimport pkg.sub.c\n",
    }
    for name, text in files.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text)
    graph = import_graph(tmp_path / "pkg")
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub.c"},
        "pkg.sub": set(),
        "pkg.sub.c": {"pkg.a"},
    }
    assert find_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, f"{len(cycles)} import cycles:\n" + "\n".join(
        " -> ".join(c + c[:1]) for c in cycles
    )


def test_layers():
    bad = layer_violations(import_graph())
    assert not bad, f"{len(bad)} imports go up the layers:\n" + "\n".join(bad)


def test_module_sizes():
    sizes = {p: len(p.read_text(encoding="utf-8").splitlines()) for p in _modules().values()}
    big = sorted((n, str(p.relative_to(ROOT.parent))) for p, n in sizes.items() if n > MAX_LINES)
    assert not big, f"modules over {MAX_LINES} lines: {big}"
