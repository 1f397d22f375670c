"""Quantization spec strings on the command line, and a width-only stand-in quantizer.

Specs: `fixed:W,I` (ap_fixed<W,I>), `fixed:W` (integer bits chosen by calibration),
`intN` (N-bit integers, e.g. int8, int4), `wXaY` (X-bit weights, Y-bit activations,
e.g. w4a8).

A list of specs (`--quant fixed:8,3,int8,int4`) is split on commas that start a new
spec name (`fixed:`, `int<digits>`, `w<digits>a<digits>`), so commas inside
`fixed:8,3` stay: `fixed:8,3,int8` → [`fixed:8,3`, `int8`].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fpgaforge.errors import UsageError

_SPEC = re.compile(r"^(fixed:(\d+)(?:,(-?\d+))?|int(\d+)|w(\d+)a(\d+))$")
_SPLIT = re.compile(r",\s*(?=fixed:|int\d|w\d+a\d)")


def split_specs(text: str) -> list[str]:
    """Split a comma-separated list of specs; commas inside `fixed:W,I` are kept."""
    parts = [p.strip() for p in _SPLIT.split(text.strip()) if p.strip()]
    if not parts:
        raise UsageError(
            f"--quant {text!r} names no quantization spec; use e.g. fixed:8,3 or int8."
        )
    for part in parts:
        parse(part)
    return parts


@dataclass(frozen=True)
class SpecBits:
    """Widths a spec gives: weights, activations (and int bits for fixed)."""

    spec: str
    weight_bits: int
    act_bits: int
    int_bits: int | None = None


def parse(spec: str) -> SpecBits:
    """Widths of one spec; a UsageError names a malformed one."""
    match = _SPEC.match(spec.strip())
    if not match:
        raise UsageError(
            f"Quantization spec {spec!r} is not one of fixed:W,I, fixed:W, intN or wXaY (e.g. fixed:8,3, int8, w4a8)."
        )
    if match.group(2):
        width = int(match.group(2))
        ibits = int(match.group(3)) if match.group(3) is not None else None
        bits = SpecBits(spec, width, width, ibits)
    elif match.group(4):
        bits = SpecBits(spec, int(match.group(4)), int(match.group(4)))
    else:
        bits = SpecBits(spec, int(match.group(5)), int(match.group(6)))
    if not (1 <= bits.weight_bits <= 64 and 1 <= bits.act_bits <= 64):
        raise UsageError(f"Quantization spec {spec!r} has a width outside 1..64 bits.")
    return bits


@dataclass(frozen=True)
class NominalType:
    """A width-only numeric type used when the real quantizer is unavailable."""

    bits: int
    signed: bool = True
    scale: float = 1.0

    def __str__(self) -> str:
        return f"int{self.bits}"


def nominal_quantize(graph: Any, spec: str) -> Any:
    """A copy of `graph` whose values carry the spec's widths (weights, activations; biases
    32-bit) but whose data stay float: enough for scheduling and estimates, not for execution."""
    bits = parse(spec)
    g = graph.copy()
    for node in g.nodes:
        for value in node.inputs:
            if value is None:
                continue
            if value.is_constant:
                if value.const is not None and value.const.dtype.kind == "f":
                    value.dtype = NominalType(bits.weight_bits if value.rank >= 2 else 32)
            else:
                value.dtype = NominalType(bits.act_bits)
        for value in node.outputs:
            value.dtype = NominalType(bits.act_bits)
    for value in g.inputs:
        value.dtype = NominalType(bits.act_bits)
    g.metadata["nominal_quantization"] = spec
    return g


ESTIMATE_CALIBRATION_SAMPLES = 1
"""Samples of the quantizer's default calibration distribution used by `estimate` and `dse`
when no calibration data is given: estimates depend on bit widths, which the spec fixes,
not on the observed ranges, and one sample keeps ResNet-50 calibration near 1 s (the
quantizer's own default of 64 samples takes about a minute)."""


def quantize_for_estimate(graph: Any, spec: str, calibration: Any = None) -> tuple[Any, str]:
    """Quantize with `fpgaforge.quantize` when it exists, else `nominal_quantize`.

    Without `calibration`, ranges come from `ESTIMATE_CALIBRATION_SAMPLES` samples of
    `fpgaforge.quant.calibrate.default_calibration`. Returns (graph, how) where how is
    'quantize' or 'nominal'.
    """
    parse(spec)
    try:
        from fpgaforge import quantize  # type: ignore[attr-defined]
    except ImportError:
        quantize = None
    if quantize is None:
        return nominal_quantize(graph, spec), "nominal"
    if calibration is None:
        try:
            from fpgaforge.quant.calibrate import default_calibration

            calibration = default_calibration(graph, samples=ESTIMATE_CALIBRATION_SAMPLES)
        except ImportError:
            calibration = None
    return quantize(graph, spec, calibration=calibration), "quantize"
