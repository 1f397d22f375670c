"""Quantization specs: what precision each tensor of each layer gets.

Spec strings (CLI `--quant` and `fpgaforge.quantize(graph, spec)`):

- `fixed:W,I` — every tensor (weights, biases, activations) is `ap_fixed<W,I>`,
  rounding RND and overflow SAT unless given: `fixed:8,3,TRN,WRAP`.
- `fixed:W` — width W everywhere; the integer bits of each tensor come from its
  calibrated range (weights: their own values).
- `int8`, `int4`, `wNaM` (e.g. `w4a8`) — symmetric integers: per-channel weight
  scales, per-tensor activation scales (unsigned where the calibrated range is
  non-negative), 32-bit biases at the accumulator's scale, requant by an integer
  multiplier and shift.
- a path to a YAML file for per-op-type and per-layer precision (hls4ml-like
  granularity), see `docs/quantization.md`.

Accumulators are derived so they cannot overflow unless a config narrows them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from fpgaforge.errors import QuantizationError
from fpgaforge.ir.node import Node
from fpgaforge.numerics.errors import NumericTypeError
from fpgaforge.numerics.modes import Overflow, Rounding
from fpgaforge.numerics.types import Fixed, parse_type

Family = Literal["fixed", "int"]

_FIXED = re.compile(
    r"^fixed:(?P<w>-?\d+)(?:,(?P<i>-?\d+))?(?:,(?P<q>[A-Z_]+))?(?:,(?P<o>[A-Z_]+))?$"
)
_INT = re.compile(r"^int(?P<b>-?\d+)$")
_WA = re.compile(r"^w(?P<w>-?\d+)a(?P<a>-?\d+)$")
EXAMPLES = "fixed:8,3, fixed:8, fixed:8,3,RND,SAT, int8, int4, w4a8 or a YAML file"


@dataclass(frozen=True)
class TensorRule:
    """How one tensor role is quantized.

    Fixed family: `width` bits, `int_bits` fixed or None (from the range), rounding and
    overflow modes. Int family: `width` bits, symmetric, scale from the range.
    `explicit` pins an exact type (from a YAML config)."""

    family: Family
    width: int
    int_bits: int | None = None
    rounding: Rounding = Rounding.RND
    overflow: Overflow = Overflow.SAT
    explicit: Any = None


@dataclass(frozen=True)
class LayerRule:
    """Precision of one layer's roles: weights, biases, results, and optionally the accumulator."""

    weight: TensorRule
    bias: TensorRule
    result: TensorRule
    accum: Any = None  # an explicit accumulator type, or None to derive one that cannot overflow


@dataclass(frozen=True)
class QuantSpec:
    """A parsed spec: a default layer rule plus overrides by op type and by layer name."""

    text: str
    default: LayerRule
    by_op: dict[str, LayerRule] = field(default_factory=dict)
    by_layer: dict[str, LayerRule] = field(default_factory=dict)

    def rule_for(self, node: Node) -> LayerRule:
        """The most specific rule for `node`: layer name, then ONNX name, then op type, then default."""
        for key in (node.name, node.source.name if node.source else None):
            if key and key in self.by_layer:
                return self.by_layer[key]
        for key in (node.op, node.source.op_type if node.source else None):
            if key and key in self.by_op:
                return self.by_op[key]
        return self.default

    @property
    def family(self) -> Family:
        return self.default.result.family


def _check_width(width: int, text: str) -> int:
    if width <= 0:
        raise QuantizationError(
            f"Quantization spec {text!r} asks for {width}-bit tensors; widths must be at least 1 bit."
        )
    if width > 32:
        raise QuantizationError(
            f"Quantization spec {text!r} asks for {width}-bit tensors; fpgaforge supports up to 32 bits."
        )
    return width


def _mode(cls, value: str | None, default, text: str):
    if value is None:
        return default
    try:
        return cls.coerce(value)
    except NumericTypeError:
        names = ", ".join(m.name for m in cls)
        raise QuantizationError(
            f"Quantization spec {text!r} has the unknown mode {value!r}; use one of {names}."
        ) from None


def _uniform(rule: TensorRule, bias: TensorRule | None = None) -> LayerRule:
    return LayerRule(weight=rule, bias=bias or rule, result=rule)


def parse_spec(spec: str | os.PathLike | QuantSpec) -> QuantSpec:
    """Parse a spec string or YAML path; a QuantSpec passes through.

    Impossible specs get one sentence naming the spec and what is accepted."""
    if isinstance(spec, QuantSpec):
        return spec
    text = str(spec).strip()
    if text.endswith((".yaml", ".yml")) or (os.path.sep in text and Path(text).exists()):
        return _parse_yaml(Path(text))
    return _parse_string(text)


def _parse_string(text: str) -> QuantSpec:
    compact = text.replace(" ", "")
    if match := _FIXED.match(compact):
        width = _check_width(int(match["w"]), text)
        int_bits = None if match["i"] is None else int(match["i"])
        if int_bits is not None and not -width <= int_bits <= 2 * width:
            raise QuantizationError(
                f"Quantization spec {text!r} gives {int_bits} integer bits to a {width}-bit type; "
                f"use between {-width} and {2 * width}."
            )
        rule = TensorRule(
            "fixed",
            width,
            int_bits,
            _mode(Rounding, match["q"], Rounding.RND, text),
            _mode(Overflow, match["o"], Overflow.SAT, text),
        )
        return QuantSpec(text, _uniform(rule))
    if match := _INT.match(compact):
        bits = _check_width(int(match["b"]), text)
        rule = TensorRule("int", bits)
        return QuantSpec(text, _uniform(rule, TensorRule("int", 32)))
    if match := _WA.match(compact):
        w, a = _check_width(int(match["w"]), text), _check_width(int(match["a"]), text)
        return QuantSpec(
            text, LayerRule(TensorRule("int", w), TensorRule("int", 32), TensorRule("int", a))
        )
    raise QuantizationError(f"Cannot understand the quantization spec {text!r}; use {EXAMPLES}.")


_ROLES = ("weight", "bias", "result", "accum")


def _parse_yaml(path: Path) -> QuantSpec:
    if not path.exists():
        raise QuantizationError(f"Quantization config '{path}' does not exist.")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise QuantizationError(
            f"Quantization config '{path}' is not valid YAML ({exc})."
        ) from None
    if not isinstance(data, dict) or "default" not in data:
        raise QuantizationError(
            f"Quantization config '{path}' needs a top-level 'default:' spec, e.g. 'default: fixed:8,3'."
        )
    unknown = set(data) - {"default", "op_types", "layers"}
    if unknown:
        raise QuantizationError(
            f"Quantization config '{path}' has unknown keys {sorted(unknown)}; use default, op_types, layers."
        )
    default = _layer_from_yaml(data["default"], None, path, "default")
    by_op = {
        str(k): _layer_from_yaml(v, default, path, f"op_types.{k}")
        for k, v in (data.get("op_types") or {}).items()
    }
    by_layer = {
        str(k): _layer_from_yaml(v, default, path, f"layers.{k}")
        for k, v in (data.get("layers") or {}).items()
    }
    return QuantSpec(str(path), default, by_op, by_layer)


def _layer_from_yaml(entry: Any, base: LayerRule | None, path: Path, where: str) -> LayerRule:
    if isinstance(entry, str):
        return (
            _parse_string(entry).default
            if not entry.startswith(("fixed<", "ufixed<", "ap_"))
            else _uniform(_explicit(entry, path, where))
        )
    if not isinstance(entry, dict):
        raise QuantizationError(
            f"Entry {where} of '{path}' must be a spec string or a mapping of roles {_ROLES}."
        )
    unknown = set(entry) - set(_ROLES) - {"spec"}
    if unknown:
        raise QuantizationError(
            f"Entry {where} of '{path}' has unknown roles {sorted(unknown)}; use {', '.join(_ROLES)}."
        )
    rule = _parse_string(entry["spec"]).default if "spec" in entry else base
    if rule is None:
        raise QuantizationError(
            f"Entry {where} of '{path}' needs a 'spec:' or must come after a default."
        )
    changes = {
        role: _explicit(entry[role], path, f"{where}.{role}")
        for role in ("weight", "bias", "result")
        if role in entry
    }
    if "accum" in entry:
        changes["accum"] = _explicit(entry["accum"], path, f"{where}.accum").explicit
    return replace(rule, **changes)


def _explicit(text: Any, path: Path, where: str) -> TensorRule:
    try:
        t = parse_type(str(text))
    except NumericTypeError as exc:
        raise QuantizationError(f"Entry {where} of '{path}': {exc}") from None
    if isinstance(t, Fixed):
        return TensorRule("fixed", t.width, t.int_bits, t.rounding, t.overflow, explicit=t)
    return TensorRule("int", t.width, explicit=t)
