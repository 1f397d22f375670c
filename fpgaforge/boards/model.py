"""Typed, frozen records describing one FPGA board.

A `Board` is plain data loaded from a YAML file (see `fpgaforge.boards.registry`
and docs/boards.md). Every number carries a `Source` (document + table/page or
URL); numbers we could not confirm against a primary source are flagged with
`Source.verify`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpgaforge.errors import FpgaforgeError


class BoardError(FpgaforgeError):
    """A board is unknown, or a board or energy file is missing or invalid."""


DSP_KINDS = ("DSP48E1", "DSP48E2", "DSP58", "MULT18", "MAC16")
HOST_KINDS = ("zynq7000-ps", "zynq-mpsoc-ps", "versal", "alveo-pcie", "none")
TOOLCHAINS = ("vitis", "vivado", "yosys-nextpnr")
RESOURCE_KINDS = ("lut", "ff", "dsp", "bram", "uram")

#: FINN's planning factors: the fraction of each resource a design can use.
FINN_USABLE_FRACTIONS = {"lut": 0.7, "ff": 0.5, "bram": 0.8, "uram": 0.8, "dsp": 0.8}


@dataclass(frozen=True)
class Source:
    """Where one number comes from; `verify` marks numbers not confirmed against a primary source."""

    text: str
    verify: bool = False
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.text, "verify": self.verify}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class BlockRam:
    """Block RAM as `count` native blocks of `bits_per_block` bits (36 Kb for Xilinx BRAM36)."""

    count: int
    bits_per_block: int

    @property
    def total_bits(self) -> int:
        return self.count * self.bits_per_block


@dataclass(frozen=True)
class Resources:
    """Programmable-logic resources of the device."""

    lut: int
    ff: int
    dsp: int
    dsp_kind: str
    bram: BlockRam
    uram: int
    lut_inputs: int
    lutram: bool | None = None

    URAM_BITS = 288 * 1024

    def count(self, kind: str) -> int:
        """Resource count by kind: lut, ff, dsp, bram (native blocks) or uram."""
        if kind == "bram":
            return self.bram.count
        if kind in ("lut", "ff", "dsp", "uram"):
            return int(getattr(self, kind))
        raise ValueError(
            f"unknown resource kind {kind!r}; expected one of {', '.join(RESOURCE_KINDS)}"
        )


@dataclass(frozen=True)
class Clocks:
    """Fabric clocks in MHz: a typical accelerator clock and the DSP/fabric maximum."""

    default_mhz: float
    max_mhz: float | None


@dataclass(frozen=True)
class Memory:
    """One external memory: peak and usable bandwidth in GB/s (10^9 bytes per second)."""

    name: str
    type: str
    capacity_bytes: int | None
    peak_bandwidth_gbps: float | None
    usable_bandwidth_gbps: float | None
    note: str | None = None

    @property
    def peak_bytes_per_s(self) -> float:
        return (self.peak_bandwidth_gbps or 0.0) * 1e9

    @property
    def usable_bytes_per_s(self) -> float:
        return (self.usable_bandwidth_gbps or 0.0) * 1e9


@dataclass(frozen=True)
class Power:
    """Power figures in watts; `None` where no citable figure was found (see `note`)."""

    static_w: float | None = None
    board_idle_w: float | None = None
    board_typical_w: float | None = None
    board_max_w: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class UsableFractions:
    """Fraction of each resource a design may plan to use (FINN: LUT 0.7, FF 0.5, others 0.8)."""

    lut: float = 0.7
    ff: float = 0.5
    bram: float = 0.8
    uram: float = 0.8
    dsp: float = 0.8


@dataclass(frozen=True)
class ShellOverhead:
    """Resources taken by a platform shell (Alveo XDMA shells); BRAM in native blocks."""

    lut: float = 0.0
    ff: float = 0.0
    dsp: float = 0.0
    bram: float = 0.0
    uram: float = 0.0
    note: str | None = None


@dataclass(frozen=True)
class Board:
    """One FPGA board: device, resources, clocks, memories, host, toolchain, power and sources."""

    name: str
    description: str
    vendor: str
    family: str
    part: str
    speed_grade: str
    resources: Resources
    clocks: Clocks
    memories: tuple[Memory, ...]
    host: str
    toolchain: str
    power: Power
    usable_fractions: UsableFractions
    shell: ShellOverhead
    extras: Mapping[str, float | int | str | None] = field(default_factory=dict)
    sources: Mapping[str, Source] = field(default_factory=dict)
    path: Path | None = None

    @property
    def memory(self) -> Memory | None:
        """The primary external memory (the first listed), or None for boards without one."""
        return self.memories[0] if self.memories else None

    @property
    def bandwidth_bytes_per_s(self) -> float:
        """Peak bandwidth of the primary external memory in bytes/s (0 without one)."""
        return self.memory.peak_bytes_per_s if self.memory else 0.0

    @property
    def usable_bandwidth_bytes_per_s(self) -> float:
        """Usable (derated) bandwidth of the primary external memory in bytes/s."""
        return self.memory.usable_bytes_per_s if self.memory else 0.0

    @property
    def total_peak_bandwidth_bytes_per_s(self) -> float:
        """Peak bandwidth summed over all external memories in bytes/s."""
        return sum(m.peak_bytes_per_s for m in self.memories)

    def usable(self, kind: str) -> int:
        """Resources a design may plan to use: floor(count × fraction) − shell overhead, at least 0."""
        count = self.resources.count(kind)
        fraction = getattr(self.usable_fractions, kind)
        overhead = getattr(self.shell, kind)
        return max(0, math.floor(count * fraction - overhead))

    def source(self, path: str) -> Source | None:
        """The source of a field path such as 'resources.lut' (the longest matching prefix)."""
        probe = path
        while True:
            if probe in self.sources:
                return self.sources[probe]
            if "." not in probe and "[" not in probe:
                return self.sources.get("*")
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the board, with derived figures and sources."""
        r = self.resources
        return {
            "name": self.name,
            "description": self.description,
            "vendor": self.vendor,
            "family": self.family,
            "part": self.part,
            "speed_grade": self.speed_grade,
            "resources": {
                "lut": r.lut,
                "ff": r.ff,
                "dsp": r.dsp,
                "dsp_kind": r.dsp_kind,
                "bram": {"count": r.bram.count, "bits_per_block": r.bram.bits_per_block},
                "uram": r.uram,
                "lut_inputs": r.lut_inputs,
                "lutram": r.lutram,
            },
            "clocks": {"default_mhz": self.clocks.default_mhz, "max_mhz": self.clocks.max_mhz},
            "memory": [
                {
                    "name": m.name,
                    "type": m.type,
                    "capacity_bytes": m.capacity_bytes,
                    "peak_bandwidth_gbps": m.peak_bandwidth_gbps,
                    "usable_bandwidth_gbps": m.usable_bandwidth_gbps,
                    "note": m.note,
                }
                for m in self.memories
            ],
            "host": self.host,
            "toolchain": self.toolchain,
            "power": {
                "static_w": self.power.static_w,
                "board_idle_w": self.power.board_idle_w,
                "board_typical_w": self.power.board_typical_w,
                "board_max_w": self.power.board_max_w,
                "note": self.power.note,
            },
            "usable_fractions": {k: getattr(self.usable_fractions, k) for k in RESOURCE_KINDS},
            "shell": {k: getattr(self.shell, k) for k in RESOURCE_KINDS}
            | {"note": self.shell.note},
            "usable": {k: self.usable(k) for k in RESOURCE_KINDS},
            "bandwidth_bytes_per_s": self.bandwidth_bytes_per_s,
            "usable_bandwidth_bytes_per_s": self.usable_bandwidth_bytes_per_s,
            "extras": dict(self.extras),
            "sources": {k: v.to_dict() for k, v in sorted(self.sources.items())},
        }
