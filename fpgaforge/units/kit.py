"""The unit kit: everything fpgaforge knows about one kind of hardware unit, in one folder.

A kit is a package `fpgaforge/units/<kind>/` whose `__init__.py` defines `KIT`, a
`UnitKit`. Its parts are modules of that package, found by name (a kit has only the
parts it needs):

| part | what it holds |
|---|---|
| `cost.py` | the cost model(s): frozen `Template` dataclasses (cycles, resources, energy) |
| `match.py` | `match(node, graph, batch)`: the fused node pattern this unit implements |
| `terms.py` | `terms(module, params)`: the resource terms of its Verilog module(s) |
| `rtl.py` | `build(planner, stage, nodes)`: the instances of its Verilog module(s) |
| `hls.py` | its HLS kernel calls |

Nothing outside the folder lists the kit: `kits()` discovers every package below
`fpgaforge.units` that defines `KIT`, so adding a unit edits no central dispatcher
(see docs/architecture.md).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class UnitKit:
    """One hardware unit kind.

    name: the kit's folder (`fpgaforge/units/<name>/`); templates: its cost-model classes
    (each with a distinct `kind`, the word a schedule records per stage); hls_headers:
    the kernel headers of `hls/kernels/` it calls; verilog_modules: the modules of
    `rtl/verilog/` it instantiates; match_order: kits are tried in this order when stages
    are formed (anchors of fused chains first); summary: one line for docs and errors.
    """

    name: str
    templates: tuple[type, ...]
    summary: str
    hls_headers: tuple[str, ...] = ()
    verilog_modules: tuple[str, ...] = ()
    match_order: int = 100

    def part(self, part: str) -> ModuleType | None:
        """The kit's module `part` (e.g. 'match', 'rtl', 'hls'), or None when it has none."""
        return _part(self.name, part)

    def __repr__(self) -> str:
        return f"UnitKit({self.name!r})"


@functools.cache
def _part(name: str, part: str) -> ModuleType | None:
    qualified = f"{__package__}.{name}.{part}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise


@functools.cache
def kits() -> tuple[UnitKit, ...]:
    """Every unit kit below `fpgaforge.units`, in match order."""
    package = importlib.import_module(__package__)
    found: list[UnitKit] = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        module = importlib.import_module(f"{__package__}.{info.name}")
        kit = getattr(module, "KIT", None)
        if isinstance(kit, UnitKit):
            if kit.name != info.name:
                raise TypeError(f"Unit kit in folder {info.name!r} is named {kit.name!r}.")
            found.append(kit)
    return tuple(sorted(found, key=lambda k: (k.match_order, k.name)))


@functools.cache
def template_classes() -> dict[str, type]:
    """Cost-model classes of every kit by their `kind` (to rebuild a schedule from JSON)."""
    out: dict[str, type] = {}
    for kit in kits():
        for cls in kit.templates:
            kind = cls.kind
            if kind in out:
                raise TypeError(f"Template kind {kind!r} is defined by two unit kits.")
            out[kind] = cls
    return out


@functools.cache
def kit_of(kind: str) -> UnitKit:
    """The kit whose cost model has template kind `kind` (a stage's `kind`)."""
    for kit in kits():
        if any(cls.kind == kind for cls in kit.templates):
            return kit
    raise KeyError(f"No unit kit has a template of kind {kind!r}.")


@functools.cache
def kit_of_module(module: str) -> UnitKit:
    """The kit that owns Verilog module `module`."""
    for kit in kits():
        if module in kit.verilog_modules:
            return kit
    raise KeyError(f"No unit kit owns the Verilog module {module!r}.")
