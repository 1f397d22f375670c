"""The quantization methods of Mamba-2 decode steps, as specs with knobs.

- `lightmamba`: Hadamard rotation (the residual stream rotated offline: embedding,
  in_proj, out_proj and LM head weights; an online integer Hadamard in front of
  out_proj); linear layers W4A4: activations dynamic per token in groups of 8 channels
  with power-of-two scales, weights in groups of 128 input channels with two
  power-of-two shifts per (row, group) (scale 2^s1 + 2^s2); SSM path and conv in
  8 bits with power-of-two group scales; SiLU, softplus, exp and rsqrt by tables.
- `w8a8`: no rotation; weights 8-bit with one scale per tensor, activations 8-bit with
  one static power-of-two scale per tensor (from calibration).
- `w4a4-rtn`: no rotation; weights 4-bit rounded to nearest with one scale per output
  channel, activations 4-bit with one static power-of-two scale per tensor.

The baselines share the SSM path of `lightmamba` (8-bit, tables, `state_bits`).
Knobs: `lightmamba:rotation=off,state_bits=6`, or a YAML file with `method:` and
the knob names of `MambaQuantSpec`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

import yaml

from fpgaforge.errors import QuantizationError

METHODS = ("lightmamba", "w8a8", "w4a4-rtn")


@dataclass(frozen=True)
class MambaQuantSpec:
    method: str = "lightmamba"
    rotation: bool = True
    w_bits: int = 4
    a_bits: int = 4
    w_group: int = 128
    a_group: int = 8
    weight_scale: str = "two_shifts"
    """two_shifts (2^s1 + 2^s2 per row and group), row (one integer multiplier per
    output channel) or tensor (one for the whole tensor)."""
    ssm_bits: int = 8
    state_bits: int = 8
    conv_bits: int = 8
    table_bits: int = 12
    container_bits: int = 16

    @property
    def text(self) -> str:
        base = PRESETS[self.method]
        knobs = [
            f"{f.name}={_show(getattr(self, f.name))}"
            for f in fields(self)
            if f.name != "method" and getattr(self, f.name) != getattr(base, f.name)
        ]
        return self.method + (":" + ",".join(knobs) if knobs else "")


def _show(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


PRESETS = {
    "lightmamba": MambaQuantSpec(),
    "w8a8": MambaQuantSpec("w8a8", False, 8, 8, 0, 0, "tensor"),
    "w4a4-rtn": MambaQuantSpec("w4a4-rtn", False, 4, 4, 0, 0, "row"),
}


def is_mamba_spec(spec) -> bool:
    if isinstance(spec, MambaQuantSpec):
        return True
    if isinstance(spec, str) and spec.split(":")[0] in METHODS:
        return True
    path = Path(spec) if isinstance(spec, (str, os.PathLike)) else None
    if path is not None and path.suffix in (".yaml", ".yml") and path.is_file():
        data = yaml.safe_load(path.read_text()) or {}
        return isinstance(data, dict) and data.get("method") in METHODS
    return False


def _convert(name: str, value, where: str):
    known = {f.name: f for f in fields(MambaQuantSpec)}
    if name not in known or name == "method":
        raise QuantizationError(
            f"{where} has no knob {name!r}; knobs: {', '.join(k for k in known if k != 'method')}."
        )
    current = getattr(PRESETS["lightmamba"], name)
    if isinstance(current, bool):
        text = str(value).lower()
        if text not in ("on", "off", "true", "false", "1", "0"):
            raise QuantizationError(f"Knob {name} of {where} must be on or off, got {value!r}.")
        return text in ("on", "true", "1")
    if isinstance(current, int):
        try:
            return int(value)
        except ValueError:
            raise QuantizationError(
                f"Knob {name} of {where} must be an integer, got {value!r}."
            ) from None
    return str(value)


def parse_mamba_spec(spec) -> MambaQuantSpec:
    """`lightmamba`, `w8a8`, `w4a4-rtn` with optional `:knob=value,...`, or a YAML path."""
    if isinstance(spec, MambaQuantSpec):
        return spec
    if isinstance(spec, str) and spec.split(":")[0] in METHODS:
        method, _, rest = spec.partition(":")
        knobs = {}
        for item in filter(None, rest.split(",")):
            key, sep, value = item.partition("=")
            if not sep:
                raise QuantizationError(f"Spec {spec!r}: {item!r} is not knob=value.")
            knobs[key.strip()] = _convert(key.strip(), value.strip(), f"spec {spec!r}")
        result = replace(PRESETS[method], **knobs)
    else:
        data = yaml.safe_load(Path(spec).read_text()) or {}
        method = data.pop("method")
        where = f"quantization config {str(spec)!r}"
        result = replace(PRESETS[method], **{k: _convert(k, v, where) for k, v in data.items()})
    if not 2 <= result.state_bits <= 32 or not 2 <= result.ssm_bits <= 16:
        raise QuantizationError(f"Spec {result.text!r}: state_bits and ssm_bits are out of range.")
    return result


def check_groups(spec: MambaQuantSpec, channels: int, where: str) -> None:
    """Raise when the weight or activation group of `spec` does not divide the `channels`
    input channels of the linear layer `where` (a weight group at least as wide as the
    layer is one group per row)."""
    for knob, size, fits in (
        (
            "w_group",
            spec.w_group if spec.weight_scale == "two_shifts" else 0,
            lambda g: g >= channels or channels % g == 0,
        ),
        ("a_group", spec.a_group, lambda g: channels % g == 0),
    ):
        if size > 0 and not fits(size):
            divisors = [d for d in range(1, min(size, channels) + 1) if channels % d == 0]
            raise QuantizationError(
                f"{knob} {size} of {spec.method} does not divide the {channels} input channels "
                f"of {where}; choose a divisor of {channels} (e.g. {knob}={divisors[-1]})."
            )
