"""Decode-step estimate of a Mamba-2 language model on LightMamba-style hardware.

One instance of each unit is time-shared by the layers (and the GEMV engine by in_proj
and out_proj); a token runs the layers one after another, each as the phases

    RMSNorm → in_proj → conv1d + SiLU → SSM step (+ gate) → gated RMSNorm → Hadamard → out_proj

The 4-bit weights stream from the board's external memory into a double-buffered tile
buffer; the stream does not stop between GEMVs: while the other units work, the buffer
fills with the next GEMV's first weights (up to its size), so a GEMV waits only for the
rest. Recurrent states (SSM and conv window) of as many layers as fit stay on chip; the
others are read and written back each token, sharing the memory port with the weights.
Embedding, final norm and LM head run on the host (as in LightMamba).

Unit sizes are chosen by a small search (GEMV lanes, SSM lanes, tile buffer) for the
most tokens/s within the board's usable resources; `engine=` fixes them instead.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from fpgaforge.errors import UsageError
from fpgaforge.models.config import Mamba2Config
from fpgaforge.units.causal_conv import CausalConv
from fpgaforge.units.cost.estimates import Estimates
from fpgaforge.units.cost.hardware import view  # noqa: F401 - used by the command
from fpgaforge.units.cost.template import CostContext
from fpgaforge.units.hadamard import MixedHadamard
from fpgaforge.units.pot_gemv import PotGemv
from fpgaforge.units.rmsnorm import RMSNormUnit
from fpgaforge.units.ssm_scan import SSMStep

URAM_BITS = 288 * 1024

# Published figures, printed beside ours as anchors (never used in a computation).
PAPER = {
    "source": "LightMamba (Wei et al., DATE 2025, arXiv 2502.15260), Mamba2-2.7B",
    "u280": {"tokens_per_s": 93.0},
    "vck190": {"tokens_per_s": 7.21, "clock_mhz": 400, "lut": 107_000, "dsp": 228, "bram": 456},
}
# The released VCK190 design's unit sizes, for the ratio check of our cycle model.
PAPER_VCK190_ENGINE = {"clock_mhz": 400.0, "gemv_lanes": 64, "simd": 64, "port_bytes": 32.0}

GEMV_LANES = (64, 128, 256, 512, 1024, 2048, 3072, 4096)
SSM_LANES = (32, 64, 128, 256, 512, 1024)
BUFFERS = (64 * 1024, 512 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024)


@dataclass
class Design:
    """One sized design and its per-token figures (cycles at `clock_mhz`)."""

    cfg: Mamba2Config
    board: str
    batch: int
    clock_mhz: float
    units: dict[str, Any]
    phases: dict[str, float]
    resources: Estimates
    layers_on_chip: int
    state_bytes_per_layer: float
    offchip_bytes: float
    weight_bytes: float
    energy_j: float
    static_w: float
    usable: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def token_cycles(self) -> float:
        return sum(self.phases.values())

    @property
    def token_s(self) -> float:
        return self.token_cycles / (self.clock_mhz * 1e6)

    @property
    def tokens_per_s(self) -> float:
        return self.batch / self.token_s


def _ctx(board: str, clock_mhz: float | None) -> CostContext:
    return CostContext.of(view(board), clock_mhz)


def _units(cfg, batch, lanes, simd, port, buffer, ssm_lanes, state_bits, stream) -> dict:
    aux = max(ssm_lanes // 8, 16)
    return {
        "norm": RMSNormUnit(cfg.d_model, batch=batch, lanes=aux),
        "in_proj": PotGemv(
            cfg.d_in_proj,
            cfg.d_model,
            batch,
            lanes=lanes,
            simd=simd,
            port_bytes=port,
            buffer_bytes=buffer,
        ),
        "conv1d": CausalConv(cfg.conv_dim, cfg.d_conv, batch, lanes=aux),
        "ssm": SSMStep(
            cfg.nheads,
            cfg.headdim,
            cfg.d_state,
            batch,
            state_bits=state_bits,
            lanes=ssm_lanes,
            state_place="stream" if stream else "store",
        ),
        "gated_norm": RMSNormUnit(
            cfg.d_inner, group=cfg.d_inner // cfg.ngroups, gated=True, batch=batch, lanes=aux
        ),
        "hadamard": MixedHadamard(cfg.d_inner, batch, 16, lanes=aux, k_lanes=aux),
        "out_proj": PotGemv(
            cfg.d_model,
            cfg.d_inner,
            batch,
            lanes=lanes,
            simd=simd,
            port_bytes=port,
            buffer_bytes=buffer,
        ),
    }


def _bits(est: Estimates, ctx: CostContext) -> float:
    return est.bram * ctx.board.bram_bits + est.uram * URAM_BITS


def size(
    cfg: Mamba2Config,
    board: str,
    *,
    batch: int = 1,
    clock_mhz: float | None = None,
    lanes: int = 1024,
    simd: int = 128,
    port_bytes: float | None = None,
    buffer: int = 2 * 1024 * 1024,
    ssm_lanes: int = 256,
    state_bits: int = 8,
) -> Design:
    """Estimate one design with the given unit sizes."""
    ctx = _ctx(board, clock_mhz)
    b = ctx.board
    bpc = ctx.bytes_per_cycle
    if bpc <= 0:
        raise UsageError(
            f"{board} has no external memory to stream the {cfg.n_layer}-layer model's weights "
            f"and states from; pick a board with DRAM or HBM (see `fpgaforge boards`)."
        )
    port = min(port_bytes or bpc, bpc)
    simd = min(simd, lanes)
    held = _units(cfg, batch, lanes, simd, port, buffer, ssm_lanes, state_bits, False)
    streamed = _units(cfg, batch, lanes, simd, port, buffer, ssm_lanes, state_bits, True)
    layer_est = {k: u.estimate(ctx) for k, u in held.items()}
    gemv_shared = ("out_proj",)  # one engine serves both projections
    logic = sum((e for k, e in layer_est.items() if k not in gemv_shared), Estimates())
    conv_state = held["conv1d"].state_bytes
    per_layer = held["ssm"].state_bytes + conv_state
    free_bits = b.onchip_bits - _bits(logic, ctx)
    on_chip = max(0, min(cfg.n_layer, int(free_bits // (per_layer * 8)))) if free_bits > 0 else 0
    # the state store: URAM first, then BRAM
    store_bits = on_chip * held["ssm"].state_bytes * 8
    uram_free = max(b.usable["uram"] - logic.uram, 0)
    uram = min(math.ceil(store_bits / URAM_BITS), uram_free)
    bram = max(store_bits - uram * URAM_BITS, 0) / b.bram_bits
    resources = logic + Estimates(uram=uram, bram=bram)

    phases = dict.fromkeys(
        (
            "norm",
            "in_proj compute",
            "in_proj weight wait",
            "conv1d",
            "ssm",
            "ssm state wait",
            "gated_norm",
            "hadamard",
            "out_proj compute",
            "out_proj weight wait",
        ),
        0.0,
    )
    energy = 0.0
    offchip = 0.0
    for layer in range(cfg.n_layer):
        stream = layer >= on_chip
        units = streamed if stream else held
        est = layer_est if not stream else {k: u.estimate(ctx) for k, u in streamed.items()}
        energy += sum(e.energy_j for e in est.values())
        state_traffic = 2 * per_layer if stream else 0.0
        offchip += state_traffic + units["in_proj"].weight_bytes + units["out_proj"].weight_bytes
        phases["norm"] += est["norm"].cycles
        gap = est["norm"].cycles
        for name in ("in_proj", "out_proj"):
            g = units[name]
            wait = max(g.weight_bytes - min(buffer, gap * port), 0.0) / port
            phases[f"{name} compute"] += g.compute_cycles + g.depth
            phases[f"{name} weight wait"] += max(wait - g.compute_cycles, 0.0)
            if name == "in_proj":
                ssm_stream = state_traffic / port
                phases["conv1d"] += est["conv1d"].cycles
                phases["ssm"] += est["ssm"].cycles
                phases["ssm state wait"] += max(ssm_stream - est["ssm"].cycles, 0.0)
                phases["gated_norm"] += est["gated_norm"].cycles
                phases["hadamard"] += est["hadamard"].cycles
                gap = max(
                    sum(est[k].cycles for k in ("conv1d", "ssm", "gated_norm", "hadamard"))
                    - ssm_stream,
                    0.0,
                )
    seconds = sum(phases.values()) / (ctx.clock_mhz * 1e6)
    notes = []
    if on_chip < cfg.n_layer:
        notes.append(
            f"states of {cfg.n_layer - on_chip} of {cfg.n_layer} layers do not fit on chip "
            f"and stream from {b.memory_type or 'external memory'} each token"
        )
    return Design(
        cfg=cfg,
        board=b.name,
        batch=batch,
        clock_mhz=ctx.clock_mhz,
        units=held,
        phases=phases,
        resources=resources,
        layers_on_chip=on_chip,
        state_bytes_per_layer=per_layer,
        offchip_bytes=offchip,
        weight_bytes=cfg.n_layer * (held["in_proj"].weight_bytes + held["out_proj"].weight_bytes),
        energy_j=energy + b.static_w * seconds,
        static_w=b.static_w,
        usable={k: float(v) for k, v in b.usable.items()},
        notes=notes,
    )


def fits(d: Design) -> bool:
    r = d.resources
    u = d.usable
    return r.lut <= u["lut"] and r.dsp <= u["dsp"] and r.bram <= u["bram"] and r.uram <= u["uram"]


def search(
    cfg: Mamba2Config,
    board: str,
    *,
    batch: int = 1,
    clock_mhz: float | None = None,
    state_bits: int = 8,
) -> Design:
    """The design with the most tokens/s that fits; near-ties go to the fewer LUTs."""
    found: list[Design] = []
    for lanes, ssm_lanes, buffer in itertools.product(GEMV_LANES, SSM_LANES, BUFFERS):
        if (cfg.headdim * cfg.d_state) % ssm_lanes:
            continue
        d = size(
            cfg,
            board,
            batch=batch,
            clock_mhz=clock_mhz,
            lanes=lanes,
            simd=min(128, lanes),
            buffer=buffer,
            ssm_lanes=ssm_lanes,
            state_bits=state_bits,
        )
        if fits(d):
            found.append(d)
    if not found:
        b = view(board)
        raise UsageError(
            f"The smallest {cfg.n_layer}-layer Mamba-2 decode design does not fit {b.name}'s "
            f"usable {b.usable['lut']:,} LUTs and {b.usable['bram']} BRAMs; pick a larger board."
        )
    best = max(d.tokens_per_s for d in found)
    near = [d for d in found if d.tokens_per_s >= 0.99 * best]
    return min(near, key=lambda d: (d.resources.lut, d.resources.bram + d.resources.uram))


def paper_engine_check(cfg: Mamba2Config, state_bits: int = 8) -> Design:
    """Our cycle model with the released VCK190 unit sizes (states streamed, as there)."""
    e = PAPER_VCK190_ENGINE
    d = size(
        cfg,
        "vck190",
        clock_mhz=e["clock_mhz"],
        lanes=e["gemv_lanes"],
        simd=e["simd"],
        port_bytes=e["port_bytes"],
        buffer=64 * 1024,
        ssm_lanes=64,
        state_bits=state_bits,
    )
    return d
