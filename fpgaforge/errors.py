"""The errors fpgaforge raises.

Every error is one sentence a user can act on: what went wrong, where (the
node or file), and what to do. The CLI prints the message and exits with
code 2; it never shows a traceback for these.
"""

from __future__ import annotations

from collections.abc import Iterable


class FpgaforgeError(Exception):
    """Base class of every error that fpgaforge reports to a user."""

    exit_code = 2


class ModelLoadError(FpgaforgeError):
    """A model file is missing, truncated or not valid ONNX."""


class UnsupportedOpError(FpgaforgeError):
    """A model uses an operator (or an operator variant) fpgaforge cannot import."""

    def __init__(
        self,
        node_name: str,
        op_type: str,
        opset: int | None,
        detail: str | None = None,
        supported: Iterable[str] | None = None,
    ) -> None:
        where = f"node {node_name!r} (op_type {op_type!r}, opset {opset})"
        if detail:
            message = f"Unsupported {where}: {detail}."
        else:
            message = f"Unsupported operator at {where}."
        if supported is not None:
            message += f" Supported op types: {', '.join(sorted(supported))}."
        super().__init__(message)
        self.node_name = node_name
        self.op_type = op_type
        self.opset = opset


class DynamicShapeError(FpgaforgeError):
    """A tensor dimension is symbolic and was not bound at import."""


class ShapeError(FpgaforgeError):
    """Shapes in a model do not agree with an operator's rules."""


class NonConstantInputError(FpgaforgeError):
    """An operator input that must be known at import time is computed at run time."""


class FeedError(FpgaforgeError):
    """Inputs given to `execute` do not match the graph's inputs."""


class GraphError(FpgaforgeError):
    """The graph's structure is inconsistent (dangling value, cycle, duplicate name)."""


class PassError(FpgaforgeError):
    """A graph pass failed; the message names the pass and the node."""


class UsageError(FpgaforgeError):
    """A command-line or API argument is malformed."""


class QuantizationError(FpgaforgeError):
    """A model cannot be quantized as asked (bad spec, bad calibration data, unsupported op)."""


class ResourceModelError(FpgaforgeError):
    """The resource-model data file is missing a field or has a bad value."""


class SparsityError(FpgaforgeError):
    """An N:M sparsity pattern is malformed, or a layer or tensor cannot take it."""
