"""The resource model's coefficients, read from `data/resource_model.yaml`.

Every coefficient the cost models use lives in that file, with its source. Set
`FPGAFORGE_RESOURCE_MODEL` to use another file.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

from fpgaforge.errors import ResourceModelError

DEFAULT_PATH = Path(__file__).with_name("data") / "resource_model.yaml"
ENV = "FPGAFORGE_RESOURCE_MODEL"


@functools.cache
def _load(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResourceModelError(f"Resource model file '{path}' cannot be read: {exc}.") from exc
    if not isinstance(data, dict) or "dsp" not in data:
        raise ResourceModelError(f"Resource model file '{path}' has no 'dsp' section.")
    return data


def model() -> dict[str, Any]:
    """The parsed resource model (cached per path)."""
    return _load(os.environ.get(ENV, str(DEFAULT_PATH)))


def coef(*keys: str) -> Any:
    """One coefficient by path, e.g. `coef("lut", "mult_coef_lut6")`."""
    node: Any = model()
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise ResourceModelError(
                f"Resource model has no entry {'.'.join(keys)!r}; see data/resource_model.yaml."
            )
        node = node[key]
    return node
