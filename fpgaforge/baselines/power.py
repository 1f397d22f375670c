"""CPU power: RAPL energy counters when this machine exposes them, else a stated assumption."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

POWERCAP = Path("/sys/class/powercap")
CPUS_FILE = Path(__file__).parent / "data" / "cpus.yaml"


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's model name from /proc/cpuinfo (`unknown CPU` when it has none)."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def cpu_count() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Rapl:
    """The package energy counters (`intel-rapl:N/energy_uj`, also on AMD), read in joules.

    `Rapl.open()` returns None when there are none or none is readable."""

    def __init__(self, domains: list[tuple[Path, float]]) -> None:
        self.domains = domains  # (energy_uj file, wrap range in µJ)

    @classmethod
    def open(cls, root: Path = POWERCAP) -> Rapl | None:
        domains = []
        for zone in sorted(root.glob("intel-rapl:*")):
            if zone.name.count(":") != 1:  # sub-zones (core, uncore, dram) are inside packages
                continue
            energy = zone / "energy_uj"
            try:
                int(energy.read_text())
                wrap = float((zone / "max_energy_range_uj").read_text())
            except (OSError, ValueError):
                continue
            domains.append((energy, wrap))
        return cls(domains) if domains else None

    def read(self) -> list[float]:
        return [float(path.read_text()) for path, _ in self.domains]

    def joules_between(self, before: list[float], after: list[float]) -> float:
        """Energy used between two readings, across counter wrap-arounds."""
        total = 0.0
        for (_, wrap), a, b in zip(self.domains, before, after, strict=True):
            total += (b - a) if b >= a else (wrap - a + b)
        return total / 1e6


@dataclass(frozen=True)
class PowerAssumption:
    """The CPU power used when it cannot be measured: TDP per core times the cores used."""

    watts: float
    reference: str
    tdp_w: float
    cores: int
    cores_used: int
    source: str
    matched: bool

    def sentence(self, model: str) -> str:
        which = (
            f"the {self.reference}'s"
            if self.matched
            else f"{model!r} is not in the CPU table, so the {self.reference}'s"
        )
        return (
            f"CPU power assumed, not measured (no readable RAPL counters): {which} TDP per core "
            f"({self.tdp_w:g} W / {self.cores} cores) x {self.cores_used} cores used = "
            f"{self.watts:.1f} W; source {self.source}"
        )

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@cache
def _cpu_table() -> dict[str, Any]:
    return yaml.safe_load(CPUS_FILE.read_text())


def assumed_power(model: str, cores_used: int) -> PowerAssumption:
    """TDP per core of the table entry matching `model` (else the table's default) x cores."""
    table = _cpu_table()
    entries = table["cpus"]
    entry = next((e for e in entries if e["match"].lower() in model.lower()), None)
    matched = entry is not None
    if entry is None:
        entry = next(e for e in entries if e["name"] == table["default"])
    watts = float(entry["tdp_w"]) / int(entry["cores"]) * cores_used
    return PowerAssumption(
        watts=watts,
        reference=str(entry["model"]),
        tdp_w=float(entry["tdp_w"]),
        cores=int(entry["cores"]),
        cores_used=cores_used,
        source=str(entry["source"]),
        matched=matched,
    )
