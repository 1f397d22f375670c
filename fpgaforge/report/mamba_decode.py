"""The decode-step estimate of a Mamba-2 configuration (`fpgaforge estimate mamba2-2.7b
--board u280 --quant lightmamba`, and the FPGA rows of `fpgaforge compare mamba2-130m`)
as one record: tokens/s, latency, energy and off-chip bytes per token, resources, the
binding limit and the roofline steps, with the paper's figures beside as anchors."""

from __future__ import annotations

from typing import Any

from fpgaforge.errors import UsageError


def is_mamba(model: str) -> bool:
    from fpgaforge.models.config import CONFIGS

    return model in CONFIGS


def _state_bits(quant: str, model: str) -> int:
    """The state bits of `quant` (a lightmamba spec whose knobs are checked, its groups
    against the linear layers of `model`)."""
    from fpgaforge.models.config import CONFIGS
    from fpgaforge.quant.lightmamba.spec import check_groups, parse_mamba_spec

    method, _, _ = quant.partition(":")
    if method != "lightmamba":
        raise UsageError(f"A Mamba-2 decode estimate needs --quant lightmamba, not {quant!r}.")
    spec = parse_mamba_spec(quant)
    cfg = CONFIGS[model]
    check_groups(spec, cfg.d_model, f"the in_proj of {model}")
    check_groups(spec, cfg.d_inner, f"the out_proj of {model}")
    return spec.state_bits


def decode_estimate(
    model: str,
    board: str,
    quant: str = "lightmamba",
    *,
    batch: int | None = None,
    clock_mhz: float | None = None,
) -> dict[str, Any]:
    """The decode-step estimate of the Mamba-2 configuration `model` on `board`: tokens/s,
    latency, energy and off-chip bytes per token, resources, what binds, the roofline
    steps and the paper's figures beside (as anchors)."""
    from fpgaforge.boards import get
    from fpgaforge.dataflow import mamba_decode as md
    from fpgaforge.models.config import CONFIGS

    cfg = CONFIGS[model]
    bits = _state_bits(quant, model)
    batch = batch or 1
    d = md.search(cfg, board, batch=batch, clock_mhz=clock_mhz, state_bits=bits)
    mem = get(board).memory
    peak = mem.peak_bytes_per_s if mem else 0.0
    usable_bw = md.view(board).bandwidth
    weight_s = d.weight_bytes / batch
    roof_peak = peak / d.weight_bytes * batch if peak else 0.0
    roof_usable = usable_bw / d.weight_bytes * batch
    roof_state = usable_bw / d.offchip_bytes * batch
    r = d.resources
    out: dict[str, Any] = {
        "model": model,
        "board": d.board,
        "quant": quant,
        "batch": batch,
        "clock_mhz": d.clock_mhz,
        "tokens_per_s": d.tokens_per_s,
        "latency_per_token_s": d.token_s,
        "energy_per_token_j": d.energy_j / batch,
        "power_w": d.energy_j / d.token_s,
        "offchip_bytes_per_token": d.offchip_bytes / batch,
        "weight_bytes_per_token": weight_s,
        "resources": {k: getattr(r, k) for k in ("lut", "ff", "dsp", "bram", "uram")},
        "usable": d.usable,
        "units": {
            "gemv_lanes": d.units["in_proj"].lanes,
            "gemv_simd": d.units["in_proj"].simd,
            "weight_port_bytes_per_cycle": d.units["in_proj"].port_bytes,
            "weight_buffer_bytes": d.units["in_proj"].buffer_bytes,
            "ssm_lanes": d.units["ssm"].lanes,
        },
        "state": {
            "bytes_per_layer": d.state_bytes_per_layer * 1.0,
            "layers_on_chip": d.layers_on_chip,
            "layers_streamed": d.cfg.n_layer - d.layers_on_chip,
            "placement": "on chip"
            if d.layers_on_chip == d.cfg.n_layer
            else "streamed"
            if d.layers_on_chip == 0
            else "partly on chip, rest streamed",
        },
        "phase_cycles_per_token": d.phases,
        "bound_by": _bound(d),
        "roofline": {
            "peak_bandwidth_tokens_per_s": roof_peak,
            "usable_bandwidth_tokens_per_s": roof_usable,
            "with_state_traffic_tokens_per_s": roof_state,
        },
        "notes": d.notes + ["embedding, final norm and LM head run on the host"],
        "paper": md.PAPER.get(d.board),
        "paper_source": md.PAPER["source"],
    }
    if d.board == "vck190" and cfg.d_model == 2560:
        p = md.paper_engine_check(cfg, bits)
        out["paper_units_check"] = {
            "units": md.PAPER_VCK190_ENGINE,
            "tokens_per_s": p.tokens_per_s,
            "paper_tokens_per_s": md.PAPER["vck190"]["tokens_per_s"],
            "ratio_ours_to_paper": p.tokens_per_s / md.PAPER["vck190"]["tokens_per_s"],
            "phase_cycles_per_token": p.phases,
            "resources": {k: getattr(p.resources, k) for k in ("lut", "dsp", "bram", "uram")},
        }
    return out


def _bound(d) -> str:
    ph = d.phases
    wait = ph["in_proj weight wait"] + ph["out_proj weight wait"] + ph["ssm state wait"]
    gemv = ph["in_proj compute"] + ph["out_proj compute"]
    other = d.token_cycles - wait - gemv
    if wait > 0.05 * d.token_cycles:
        mem = "off-chip bandwidth"
        return f"{mem}: weights (and streamed states) set {100 * (wait + gemv) / d.token_cycles:.0f} % of the token time"
    top = max(("GEMV compute", gemv), ("SSM and vector units", other), key=lambda t: t[1])
    return f"{top[0]}: {100 * top[1] / d.token_cycles:.0f} % of the token time"
