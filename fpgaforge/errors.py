"""The errors fpgaforge raises.

Every error is one sentence a user can act on: what went wrong, where (the
node or file), and what to do. The CLI prints the message and exits with
code 2; it never shows a traceback for these.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_NAME = 80
"""Names longer than this are cut in messages (with an ellipsis)."""


def cut(name: object, limit: int = MAX_NAME) -> str:
    """`name` quoted for a message (as `repr` does), cut to `limit` characters.

    Bytes (a name that is not UTF-8) are shown with their undecodable bytes escaped."""
    if isinstance(name, bytes):
        text = name.decode("utf-8", errors="backslashreplace")
        return f"'{text[: limit - 1]}…'" if len(text) > limit else f"'{text}'"
    text = str(name)
    if len(text) > limit:
        return repr(text[: limit - 1]) + "…"
    return repr(text)


def listing(names: Iterable[str], limit: int = 150) -> str:
    """`names` joined by commas, cut after about `limit` characters with how many were left."""
    items = list(names)
    shown: list[str] = []
    length = 0
    for item in items:
        if shown and length + len(item) + 2 > limit:
            return f"{', '.join(shown)} and {len(items) - len(shown)} more"
        shown.append(item)
        length += len(item) + 2
    return ", ".join(shown)


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
        where = f"node {cut(node_name)} (op_type {cut(op_type, 40)}, opset {opset})"
        if detail:
            message = f"Unsupported {where}: {detail}."
        else:
            message = f"Unsupported operator at {where}."
        if supported is not None:
            names = sorted(supported)
            close = difflib.get_close_matches(str(op_type), names, n=3, cutoff=0.75)
            if close:
                message += f" Did you mean {' or '.join(close)}?"
            message += (
                f" Supported op types: {listing(names)} "
                "(fpgaforge.supported_op_types() lists them all)."
            )
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
