"""`fpgaforge estimate mamba2-2.7b --board u280 --quant lightmamba`: decode-step estimate."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from fpgaforge.report.mamba_decode import decode_estimate


def run(args: argparse.Namespace, console: Console) -> int:
    out = decode_estimate(
        args.model, args.board, args.quant, batch=args.batch, clock_mhz=args.clock_mhz
    )
    if args.json:
        print(json.dumps(out, sort_keys=True, default=float))
        return 0
    p = console.print
    p(
        f"{out['model']} decode on {out['board']} at {out['clock_mhz']:g} MHz, "
        f"{out['quant']}, batch {out['batch']}"
    )
    p(f"  tokens/s            {out['tokens_per_s']:,.1f}")
    p(f"  latency per token   {out['latency_per_token_s'] * 1e3:.3f} ms")
    p(f"  energy per token    {out['energy_per_token_j'] * 1e3:.2f} mJ ({out['power_w']:.1f} W)")
    p(
        f"  off-chip per token  {out['offchip_bytes_per_token'] / 1e6:,.1f} MB "
        f"(weights {out['weight_bytes_per_token'] / 1e6:,.1f} MB)"
    )
    s = out["state"]
    p(
        f"  state               {s['placement']}: {s['layers_on_chip']} layers on chip, "
        f"{s['layers_streamed']} streamed ({s['bytes_per_layer'] / 1e3:,.0f} KB per layer)"
    )
    u = out["units"]
    p(
        f"  units               GEMV {u['gemv_lanes']} W4A4 MACs/cycle, weights "
        f"{u['weight_port_bytes_per_cycle']:,.0f} B/cycle into a {u['weight_buffer_bytes'] // 1024} KB "
        f"buffer; SSM {u['ssm_lanes']} lanes"
    )
    res, use = out["resources"], out["usable"]
    p(
        "  resources           "
        + ", ".join(
            f"{k.upper()} {res[k]:,.0f}/{use[k]:,.0f}" for k in ("lut", "dsp", "bram", "uram")
        )
    )
    p(f"  bound by            {out['bound_by']}")
    rf = out["roofline"]
    p(
        f"  roofline            peak bandwidth {rf['peak_bandwidth_tokens_per_s']:,.1f} tokens/s, "
        f"usable {rf['usable_bandwidth_tokens_per_s']:,.1f}, with state traffic "
        f"{rf['with_state_traffic_tokens_per_s']:,.1f}"
    )
    p(
        "  cycles per token    "
        + ", ".join(f"{k} {v:,.0f}" for k, v in out["phase_cycles_per_token"].items() if v)
    )
    if out["paper"]:
        anchor = ", ".join(f"{k} {v:,}" for k, v in out["paper"].items())
        p(f"  anchor (paper)      {anchor}  [{out['paper_source']}]")
    chk = out.get("paper_units_check")
    if chk:
        p(
            f"  paper unit sizes    64 MACs/cycle at 400 MHz, 256-bit weight port: our model "
            f"{chk['tokens_per_s']:.2f} tokens/s beside the paper's {chk['paper_tokens_per_s']} "
            f"(ratio {chk['ratio_ours_to_paper']:.2f})"
        )
    for note in out["notes"]:
        p(f"  note: {note}")
    return 0


def run_step(args: argparse.Namespace, console: Console) -> int:
    """`fpgaforge estimate step.onnx --board B --quant lightmamba`: the decode-step estimate
    of an imported Mamba-2 decode step, sized for its own shapes (as `build` writes it)."""
    from fpgaforge.dataflow.mamba_step import estimate_decode_step
    from fpgaforge.frontend import load
    from fpgaforge.ir.ops.registry import get as get_op
    from fpgaforge.quant.lightmamba import parse_mamba_spec, quantize_mamba
    from fpgaforge.quant.lightmamba.decode import decode_config, decode_split

    graph = load(args.model)
    spec = parse_mamba_spec(args.quant)
    qgraph = quantize_mamba(graph, spec)
    macs = sum(get_op(n.op).macs(n) for n in decode_split(qgraph).nodes)
    est = estimate_decode_step(
        graph.name, decode_config(qgraph), args.board, clock_mhz=args.clock_mhz,
        state_bits=spec.state_bits, macs_per_token=macs,
    )  # fmt: skip
    if args.json:
        print(est.to_json())
        return 0
    p = console.print
    p(f"{est.model} decode step on {est.board} at {est.clock_mhz:g} MHz, {spec.text}")
    p(f"  cycles per token    {est.cycles_per_token:,.0f} ({est.tokens_per_s:,.0f} tokens/s)")
    p(
        "  per phase           "
        + ", ".join(f"{k} {v:,.0f}" for k, v in est.phase_cycles_per_token.items() if v)
    )
    u = est.units
    p(f"  units               GEMV {u['gemv_lanes']} lanes, SSM {u['ssm_lanes']} lanes")
    p(
        "  resources           "
        + ", ".join(f"{k.upper()} {est.resources[k]:,.0f}" for k in ("lut", "dsp", "bram", "uram"))
    )
    for note in est.notes:
        p(f"  note: {note}")
    return 0
