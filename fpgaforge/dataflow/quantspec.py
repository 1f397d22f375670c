"""Quantization specs as `estimate` and `dse` take them.

A list of specs (`--quant fixed:8,3,int8,int4`) is split on commas that start a new
spec name (`fixed:`, `int<digits>`, `w<digits>a<digits>`), so commas inside
`fixed:8,3` stay: `fixed:8,3,int8` → [`fixed:8,3`, `int8`]. Each spec is the
quantizer's own (`fpgaforge.quant.spec`).
"""

from __future__ import annotations

import re
from typing import Any

from fpgaforge.errors import UsageError
from fpgaforge.quant import quantize
from fpgaforge.quant.calibrate import default_calibration
from fpgaforge.quant.spec import parse_spec

_SPLIT = re.compile(r",\s*(?=fixed:|int\d|w\d+a\d)")

ESTIMATE_CALIBRATION_SAMPLES = 1
"""Samples of the quantizer's default calibration distribution used by `estimate` and `dse`
when no calibration data is given: estimates depend on bit widths, which the spec fixes,
not on the observed ranges, and one sample keeps ResNet-50 calibration near 1 s (the
quantizer's own default of 64 samples takes about a minute)."""


def split_specs(text: str) -> list[str]:
    """Split a comma-separated list of specs (each checked); commas inside `fixed:W,I` are kept."""
    parts = [p.strip() for p in _SPLIT.split(text.strip()) if p.strip()]
    if not parts:
        raise UsageError(
            f"--quant {text!r} names no quantization spec; use e.g. fixed:8,3 or int8."
        )
    for part in parts:
        parse_spec(part)
    return parts


def quantize_for_estimate(graph: Any, spec: str, calibration: Any = None) -> tuple[Any, str]:
    """Quantize for estimation; returns (quantized graph, how its ranges were found).

    Without `calibration`, ranges come from `ESTIMATE_CALIBRATION_SAMPLES` samples of the
    quantizer's documented default (`fpgaforge.quant.calibrate.default_calibration`)."""
    how = "calibrated"
    if calibration is None:
        calibration = default_calibration(graph, samples=ESTIMATE_CALIBRATION_SAMPLES)
        how = "default calibration"
    return quantize(graph, spec, calibration=calibration), how
