"""Per-operation and per-byte energies for first-order energy estimates.

The defaults live in `fpgaforge/boards/data/energy.yaml`, each with a source.
`load(path)` merges a user YAML file over them (the file named by the
`FPGAFORGE_ENERGY` environment variable first, then `path`); any value a user
file gives replaces the default, everything else is kept.

FPGA energies are derived: the 45 nm ASIC figure (Horowitz, ISSCC 2014) times
`technology.energy_scale` (45 nm → 16 nm) times `fpga_overhead[fabric]`
(Kuon & Rose, TCAD 2007). Entries under `fpga_pj` pin a figure directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fpgaforge.boards.model import BoardError, Source

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "energy.yaml"
ENERGY_ENV = "FPGAFORGE_ENERGY"

_SECTIONS = (
    "technology",
    "operations_45nm_pj",
    "sram_45nm_pj_per_byte",
    "fpga_overhead",
    "fpga_pj",
    "dram_pj_per_byte",
)
_ACCUMULATE = {
    "int8": "int32_add",
    "int16": "int32_add",
    "int32": "int32_add",
    "fp16": "fp16_add",
    "fp32": "fp32_add",
}
_ONCHIP = {
    "bram": ("sram_8kb", "bram"),
    "uram": ("sram_32kb", "uram"),
    "lutram": ("sram_8kb", "lut"),
}


@dataclass(frozen=True)
class EnergyTable:
    """Energies in picojoules; see the module docstring for how FPGA figures are derived."""

    energy_scale: float
    operations_45nm_pj: Mapping[str, float]
    sram_45nm_pj_per_byte: Mapping[str, float]
    fpga_overhead: Mapping[str, float]
    fpga_pj: Mapping[str, float]
    dram_pj_per_byte_table: Mapping[str, float]
    sources: Mapping[str, Source] = field(default_factory=dict)
    files: tuple[Path, ...] = ()

    def _overhead(self, fabric: str) -> float:
        if fabric not in self.fpga_overhead:
            raise BoardError(
                f"Unknown FPGA fabric {fabric!r} for energy; known: {', '.join(sorted(self.fpga_overhead))}."
            )
        return self.fpga_overhead[fabric]

    def _base_op(self, op: str) -> float:
        if op not in self.operations_45nm_pj:
            raise BoardError(
                f"Unknown operation {op!r} in the energy table; known: "
                f"{', '.join(sorted(self.operations_45nm_pj))}. Add it under operations_45nm_pj."
            )
        return self.operations_45nm_pj[op]

    def op_pj(self, op: str, fabric: str = "lut") -> float:
        """Energy of one operation (e.g. 'int8_mult') on the FPGA fabric 'lut' or 'dsp'."""
        pinned = self.fpga_pj.get(f"{op}_{fabric}")
        if pinned is not None:
            return pinned
        return self._base_op(op) * self.energy_scale * self._overhead(fabric)

    def mac_pj(self, precision: str = "int8", fabric: str = "dsp") -> float:
        """Energy of one multiply-accumulate ('int8', 'int16', 'int32', 'fp16', 'fp32') on 'dsp' or 'lut'."""
        pinned = self.fpga_pj.get(f"mac_{precision}_{fabric}")
        if pinned is not None:
            return pinned
        if precision not in _ACCUMULATE:
            raise BoardError(
                f"Unknown MAC precision {precision!r}; known: {', '.join(_ACCUMULATE)}."
            )
        base = self._base_op(f"{precision}_mult") + self._base_op(_ACCUMULATE[precision])
        return base * self.energy_scale * self._overhead(fabric)

    def onchip_pj_per_byte(self, memory: str = "bram") -> float:
        """Energy per byte read from on-chip 'bram', 'uram' or 'lutram'."""
        pinned = self.fpga_pj.get(f"{memory}_per_byte")
        if pinned is not None:
            return pinned
        if memory not in _ONCHIP:
            raise BoardError(f"Unknown on-chip memory {memory!r}; known: {', '.join(_ONCHIP)}.")
        sram, fabric = _ONCHIP[memory]
        return self.sram_45nm_pj_per_byte[sram] * self.energy_scale * self._overhead(fabric)

    def dram_pj_per_byte(self, memory_type: str) -> float:
        """Energy per byte moved to or from external memory of a type such as 'DDR4' or 'HBM2'."""
        key = memory_type.lower()
        if key not in self.dram_pj_per_byte_table:
            raise BoardError(
                f"No energy for external memory type {memory_type!r}; known: "
                f"{', '.join(sorted(self.dram_pj_per_byte_table))}. Add it under dram_pj_per_byte."
            )
        return self.dram_pj_per_byte_table[key]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the raw table, derived FPGA figures and sources."""
        fabrics = [f for f in ("dsp", "lut") if f in self.fpga_overhead]
        return {
            "technology": {"energy_scale": self.energy_scale},
            "operations_45nm_pj": dict(self.operations_45nm_pj),
            "sram_45nm_pj_per_byte": dict(self.sram_45nm_pj_per_byte),
            "fpga_overhead": dict(self.fpga_overhead),
            "fpga_pj": dict(self.fpga_pj),
            "dram_pj_per_byte": dict(self.dram_pj_per_byte_table),
            "derived": {
                "mac_pj": {f"{p}_{f}": self.mac_pj(p, f) for p in _ACCUMULATE for f in fabrics},
                "onchip_pj_per_byte": {m: self.onchip_pj_per_byte(m) for m in _ONCHIP},
            },
            "sources": {k: v.to_dict() for k, v in sorted(self.sources.items())},
            "files": [str(p) for p in self.files],
        }


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise BoardError(f"Energy file '{path}' does not exist; check the path or {ENERGY_ENV}.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BoardError(
            f"Energy file '{path}' is not valid YAML: {getattr(exc, 'problem', exc)}."
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise BoardError(f"Energy file '{path}' must contain a YAML mapping.")
    unknown = sorted(set(data) - set(_SECTIONS) - {"version", "sources"})
    if unknown:
        raise BoardError(
            f"Energy file '{path}': field '{unknown[0]}' is not part of the energy schema; "
            f"expected some of {', '.join(_SECTIONS)}, sources."
        )
    return dict(data)


def _merge(base: dict[str, Any], override: Mapping[str, Any], path: Path) -> list[str]:
    """Merge `override` into `base` section by section; returns the field paths it set."""
    changed: list[str] = []
    for section in _SECTIONS:
        if section not in override:
            continue
        values = override[section] or {}
        if not isinstance(values, Mapping):
            raise BoardError(
                f"Energy file '{path}': field '{section}' must be a mapping of names to numbers."
            )
        base.setdefault(section, {})
        for key, value in values.items():
            base[section][key] = value
            changed.append(f"{section}.{key}")
    return changed


def _numbers(data: Mapping[str, Any], section: str, path: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in (data.get(section) or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise BoardError(
                f"Energy file '{path}': field '{section}.{key}' must be a non-negative number, got {value!r}."
            )
        out[str(key).lower() if section == "dram_pj_per_byte" else str(key)] = float(value)
    return out


def _sources(data: Mapping[str, Any], path: Path) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for key, value in (data.get("sources") or {}).items():
        if isinstance(value, str):
            out[str(key)] = Source(value)
        elif isinstance(value, Mapping) and isinstance(value.get("source"), str):
            out[str(key)] = Source(
                value["source"], bool(value.get("verify", False)), value.get("note")
            )
        else:
            raise BoardError(
                f"Energy file '{path}': field 'sources.{key}' must be a source string."
            )
    return out


def load(path: str | Path | None = None) -> EnergyTable:
    """The default energy table, with `$FPGAFORGE_ENERGY` and then `path` merged over it."""
    merged = _read(DEFAULT_PATH)
    sources = _sources(merged, DEFAULT_PATH)
    files = [DEFAULT_PATH]
    extra = [Path(p).expanduser() for p in (os.environ.get(ENERGY_ENV) or None, path) if p]
    for user_path in extra:
        data = _read(user_path)
        user_sources = _sources(data, user_path)
        for field_path in _merge(merged, data, user_path):
            sources[field_path] = user_sources.get(
                field_path, Source(f"user energy file {user_path}")
            )
        files.append(user_path)
    where = files[-1]
    technology = merged.get("technology") or {}
    scale = technology.get("energy_scale")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0:
        raise BoardError(
            f"Energy file '{where}': field 'technology.energy_scale' must be a positive number."
        )
    return EnergyTable(
        energy_scale=float(scale),
        operations_45nm_pj=_numbers(merged, "operations_45nm_pj", where),
        sram_45nm_pj_per_byte=_numbers(merged, "sram_45nm_pj_per_byte", where),
        fpga_overhead=_numbers(merged, "fpga_overhead", where),
        fpga_pj=_numbers(merged, "fpga_pj", where),
        dram_pj_per_byte_table=_numbers(merged, "dram_pj_per_byte", where),
        sources=sources,
        files=tuple(files),
    )
