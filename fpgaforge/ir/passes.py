"""Graph passes and the pass manager.

A pass is a small object with a `name`, an optional `precondition` (which
returns a reason when the pass cannot run) and `run(graph) -> bool` (True
when it changed the graph). The pass manager runs passes in order, repeats
fixed-point groups, and turns any failure into a PassError that names the
pass and, where known, the node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fpgaforge.errors import FpgaforgeError, PassError
from fpgaforge.ir.graph import Graph
from fpgaforge.ir.node import Node


class GraphPass(Protocol):
    name: str

    def precondition(self, graph: Graph) -> str | None: ...

    def run(self, graph: Graph) -> bool: ...


@dataclass(frozen=True)
class Rewrite:
    """A declarative rewrite rule: `match` finds candidate nodes, `check` gives a
    reason when a candidate cannot be rewritten (None = go), `rewrite` edits."""

    name: str
    match: Callable[[Graph, Node], bool]
    check: Callable[[Graph, Node], str | None]
    rewrite: Callable[[Graph, Node], None]

    def precondition(self, graph: Graph) -> str | None:
        return None

    def run(self, graph: Graph) -> bool:
        changed = False
        alive = {id(n) for n in graph.nodes}  # refreshed after each rewrite (nodes go)
        for node in list(graph.nodes):
            if id(node) not in alive or not self.match(graph, node):
                continue
            reason = self.check(graph, node)
            if reason is not None:
                graph.metadata.setdefault("rewrite_skips", []).append(
                    (self.name, node.name, reason)
                )
                continue
            try:
                self.rewrite(graph, node)
            except FpgaforgeError as exc:
                raise PassError(f"Pass {self.name!r} failed on {node.where()}: {exc}") from exc
            changed = True
            alive = {id(n) for n in graph.nodes}
        return changed


@dataclass(frozen=True)
class FunctionPass:
    """Wrap a plain function `Graph -> bool` as a pass."""

    name: str
    function: Callable[[Graph], bool]

    def precondition(self, graph: Graph) -> str | None:
        return None

    def run(self, graph: Graph) -> bool:
        return self.function(graph)


class PassManager:
    """Run passes in order; with `fixed_point=True` repeat until none changes the graph."""

    def __init__(
        self, passes: Sequence[GraphPass], *, fixed_point: bool = False, max_rounds: int = 20
    ) -> None:
        self.passes = list(passes)
        self.fixed_point = fixed_point
        self.max_rounds = max_rounds
        self.log: list[tuple[str, bool]] = []

    def run(self, graph: Graph) -> Graph:
        for _ in range(self.max_rounds if self.fixed_point else 1):
            changed = False
            for graph_pass in self.passes:
                changed |= self._run_one(graph_pass, graph)
            if not changed:
                break
        return graph

    def _run_one(self, graph_pass: GraphPass, graph: Graph) -> bool:
        reason = graph_pass.precondition(graph)
        if reason is not None:
            raise PassError(
                f"Pass {graph_pass.name!r} cannot run on graph {graph.name!r}: {reason}."
            )
        try:
            changed = bool(graph_pass.run(graph))
        except PassError:
            raise
        except FpgaforgeError as exc:
            raise PassError(f"Pass {graph_pass.name!r} failed: {exc}") from exc
        self.log.append((graph_pass.name, changed))
        return changed


def single_user(graph: Graph, node: Node) -> Node | None:
    """The only node reading `node`'s single output, if it has exactly one and is no graph output."""
    if len(node.outputs) != 1:
        return None
    out = node.outputs[0]
    if out in graph.outputs or len(out.users) != 1:
        return None
    return out.users[0]


def passes_named(passes: Iterable[GraphPass]) -> list[str]:
    return [p.name for p in passes]
