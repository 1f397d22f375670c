"""The decode-step estimate of a built Mamba-2 model: the LightMamba cost model
(`dataflow/mamba_decode.py`, the kits' units time-shared by the layers) sized for the
model's own shapes on the board, as the record a build writes (`estimate.json`) and the
schedule-like summary `fpgaforge build` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fpgaforge.dataflow import mamba_decode as md
from fpgaforge.models.config import Mamba2Config


@dataclass(frozen=True)
class DecodeStepEstimate:
    """Cycles per token of the sequential decode step and what sets them."""

    model: str
    board: str
    clock_mhz: float
    cycles_per_token: float
    phase_cycles_per_token: dict[str, float]
    units: dict[str, Any]
    resources: dict[str, float]
    layers_on_chip: int
    n_layer: int
    notes: tuple[str, ...]
    macs_per_token: int = 0
    mode: str = "decode"
    rtl: dict[str, Any] | None = None
    """The generated RTL top's cycles per token (phase by phase, from the units' cost models
    at the top's own unit sizes), when the build wrote one."""

    @property
    def latency_s(self) -> float:
        """Seconds per token."""
        return self.cycles_per_token / (self.clock_mhz * 1e6)

    @property
    def tokens_per_s(self) -> float:
        return 1.0 / self.latency_s

    @property
    def throughput(self) -> float:
        """Tokens per second (one token is one decode step)."""
        return self.tokens_per_s

    def record(self) -> dict[str, Any]:
        """The JSON shape of `estimate.json`."""
        return {
            "model": self.model,
            "board": self.board,
            "mode": self.mode,
            "clock_mhz": self.clock_mhz,
            "cycles_per_token": self.cycles_per_token,
            "macs_per_token": self.macs_per_token,
            "tokens_per_s": self.tokens_per_s,
            "latency_per_token_s": self.latency_s,
            "phase_cycles_per_token": self.phase_cycles_per_token,
            "units": self.units,
            "resources": self.resources,
            "state": {"layers_on_chip": self.layers_on_chip, "n_layer": self.n_layer},
            "notes": list(self.notes),
            **({"rtl": self.rtl} if self.rtl is not None else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.record(), indent=2, sort_keys=True, default=float)


def estimate_decode_step(
    name: str,
    cfg: Mamba2Config,
    board: str,
    *,
    clock_mhz: float | None = None,
    state_bits: int = 8,
    macs_per_token: int = 0,
) -> DecodeStepEstimate:
    """The decode-step estimate of the model `name` with shapes `cfg` on `board` (the unit
    sizes the search of `fpgaforge estimate` picks for these shapes); `macs_per_token`, the
    multiply-accumulates of the integer step, is recorded beside."""
    d = md.search(cfg, board, clock_mhz=clock_mhz, state_bits=state_bits)
    units = {
        "gemv_lanes": d.units["in_proj"].lanes,
        "gemv_simd": d.units["in_proj"].simd,
        "weight_port_bytes_per_cycle": d.units["in_proj"].port_bytes,
        "weight_buffer_bytes": d.units["in_proj"].buffer_bytes,
        "ssm_lanes": d.units["ssm"].lanes,
    }
    r = d.resources
    return DecodeStepEstimate(
        model=name,
        board=d.board,
        clock_mhz=d.clock_mhz,
        cycles_per_token=d.token_cycles,
        phase_cycles_per_token=dict(d.phases),
        units=units,
        resources={k: float(getattr(r, k)) for k in ("lut", "ff", "dsp", "bram", "uram")},
        layers_on_chip=d.layers_on_chip,
        n_layer=cfg.n_layer,
        notes=(*d.notes, "embedding, final norm and LM head run on the host"),
        macs_per_token=int(macs_per_token),
    )
