"""Rule tables: per-op rules that a decorator next to each rule registers.

Quantization looks up what to do with a node by its op in a `RuleTable`
(the integer lowering, the QONNX emitters, the type plan), so adding an op
means writing its rule next to its siblings and decorating it, never editing a
central table:

    INTEGER_RULES = RuleTable("integer rule", missing="...")

    @INTEGER_RULES.rule("Add", "Sub")
    def add_sub(lowering, node): ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.ir.ops import registry

R = TypeVar("R", bound=Callable)


class RuleTable(Generic[R]):
    """Rules keyed by fpgaforge op name.

    `missing` is the error message for a node without a rule, a format string with
    the fields {Where} (the node's phrase, capitalised), {where}, {op} and {ops}
    (the ops that have a rule, sorted and comma-separated); without it, `require`
    is not available and callers use `get`.
    """

    def __init__(self, purpose: str, missing: str | None = None) -> None:
        self.purpose = purpose
        self.missing = missing
        self._rules: dict[str, R] = {}

    def rule(self, *ops: str) -> Callable[[R], R]:
        """Decorator registering the function as the rule of each op in `ops`."""
        if not ops:
            raise TypeError(f"A {self.purpose} needs at least one op.")

        def register(fn: R) -> R:
            for op in ops:
                if op not in registry.names():
                    raise TypeError(
                        f"{fn.__qualname__} is a {self.purpose} for {op!r}, which is no "
                        f"fpgaforge op."
                    )
                if op in self._rules:
                    raise TypeError(
                        f"{fn.__qualname__} is a second {self.purpose} for {op}; "
                        f"{self._rules[op].__qualname__} is the first."
                    )
                self._rules[op] = fn
            return fn

        return register

    def get(self, op: str) -> R | None:
        """The rule of `op`, or None."""
        return self._rules.get(op)

    def require(self, node: Node) -> R:
        """The rule of `node`'s op; a QuantizationError (the `missing` sentence) when
        there is none."""
        found = self._rules.get(node.op)
        if found is not None:
            return found
        assert self.missing is not None, f"{self.purpose} table without a message"
        where = node.where()
        raise QuantizationError(
            self.missing.format(
                Where=where[0].upper() + where[1:],
                where=where,
                op=node.op,
                ops=", ".join(self.ops()),
            )
        )

    def ops(self) -> tuple[str, ...]:
        """The ops that have a rule, sorted."""
        return tuple(sorted(self._rules))

    def __contains__(self, op: object) -> bool:
        return op in self._rules

    def __iter__(self) -> Iterator[str]:
        return iter(self.ops())

    def __repr__(self) -> str:
        return f"<RuleTable {self.purpose}: {len(self._rules)} ops>"
